import type { Metadata } from "next";
import { AddKeyForm } from "@/components/keys/add-key-form";
import { YourKeys } from "@/components/keys/your-keys";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { listKeys } from "@/lib/ssh-keys/service";
import { getDb } from "@/lib/web/db";
import { toKeyRows } from "@/lib/web/key-rows";
import { requireUser } from "@/lib/web/session";
import { addKeyAction, deleteKeyAction } from "./actions";

export const metadata: Metadata = { title: "SSH keys" };

export default async function KeysPage() {
  const user = await requireUser();
  const keys = await listKeys(getDb(), user.id);
  return (
    <>
      <PageHeader
        title="SSH keys"
        description="The relay knows it is you by the key your ssh client offers. Fingerprints match ssh-keygen -lf."
      />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-5">
        <YourKeys initial={toKeyRows(keys)} deleteAction={deleteKeyAction} />
        <Card className="lg:col-span-2">
          <CardHeader title="Add a key" />
          <CardBody>
            <AddKeyForm action={addKeyAction} />
          </CardBody>
        </Card>
      </div>
    </>
  );
}
