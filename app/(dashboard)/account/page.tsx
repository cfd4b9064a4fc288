import type { Metadata } from "next";
import { BrowserSessions } from "@/components/account/browser-sessions";
import { ChangePasswordForm } from "@/components/account/change-password-form";
import { DeleteAccountForm } from "@/components/account/delete-account-form";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { listNames } from "@/lib/names/service";
import { ownAccountDeletionBlockers } from "@/lib/users/service";
import { listWebSessions } from "@/lib/users/web-sessions";
import { getDb } from "@/lib/web/db";
import { countOf } from "@/lib/web/format";
import { requireUser } from "@/lib/web/session";
import { describeUserAgent } from "@/lib/web/user-agent";
import {
  changePasswordAction,
  deleteAccountAction,
  endOtherSessionsAction,
  endSessionAction,
} from "./actions";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const user = await requireUser();
  // This browser first, then the others, most recently used first.
  const [allSessions, names, deletionBlockers] = await Promise.all([
    listWebSessions(getDb(), user.id),
    listNames(getDb(), user.id),
    ownAccountDeletionBlockers(getDb(), user.id),
  ]);
  const sessions = allSessions.sort(
    (a, b) => Number(b.id === user.sessionId) - Number(a.id === user.sessionId),
  );
  return (
    <>
      <PageHeader
        title="Account"
        description={<span className="wrap-anywhere">Signed in as {user.email}</span>}
      />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-5">
        <Card className="lg:col-span-3">
          <CardHeader title="Where you are signed in" description={countOf(sessions.length, "browser")} />
          <CardBody>
            <BrowserSessions
              sessions={sessions.map((s) => ({
                id: s.id,
                browser: describeUserAgent(s.userAgent),
                ip: s.ip,
                createdAt: s.createdAt.toISOString(),
                lastSeenAt: s.lastSeenAt.toISOString(),
                current: s.id === user.sessionId,
              }))}
              endAction={endSessionAction}
              endOthersAction={endOtherSessionsAction}
            />
          </CardBody>
        </Card>
        <Card className="lg:col-span-2">
          <CardHeader
            title="Change password"
            description="Your other browsers are signed out when you change it; this one stays signed in."
          />
          <CardBody>
            <ChangePasswordForm action={changePasswordAction} />
          </CardBody>
        </Card>
        <Card className="lg:col-span-3">
          <CardHeader title="Delete account" />
          <CardBody>
            <DeleteAccountForm
              action={deleteAccountAction}
              names={names.map((n) => n.name)}
              blockers={deletionBlockers}
            />
          </CardBody>
        </Card>
      </div>
    </>
  );
}
