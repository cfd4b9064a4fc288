import type { Metadata } from "next";
import { ChangePasswordForm } from "@/components/account/change-password-form";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/web/session";
import { changePasswordAction } from "./actions";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const user = await requireUser();
  return (
    <>
      <PageHeader title="Account" description={`Signed in as ${user.email}`} />
      <Card className="max-w-xl">
        <CardHeader
          title="Change password"
          description="Your other browsers are signed out when you change it; this one stays signed in."
        />
        <CardBody>
          <ChangePasswordForm action={changePasswordAction} />
        </CardBody>
      </Card>
    </>
  );
}
