import type { Metadata } from "next";
import { NamesTable } from "@/components/names/names-table";
import { ReserveNameForm } from "@/components/names/reserve-name-form";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { tunnelUrl } from "@/lib/env";
import { relayAddress, sshRelayCommand } from "@/lib/web/connect-command";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { loadNamesSnapshot } from "@/lib/web/names-snapshot";
import { requireUser } from "@/lib/web/session";
import { releaseNameAction, reserveNameAction } from "./actions";

export const metadata: Metadata = { title: "Names" };

export default async function NamesPage() {
  const user = await requireUser();
  const env = getEnv();
  const snapshot = await loadNamesSnapshot(getDb(), user.id, env);
  const suffix = tunnelUrl(env, "x").replace(/^https?:\/\/x/, "");
  const atLimit = snapshot.names.length >= env.BURROW_MAX_NAMES;
  return (
    <>
      <PageHeader
        title="Names"
        description="A reserved name is yours alone: ssh -R <name>:80:… gives you its URL whenever you connect."
      />
      <div className="space-y-6">
        <Card>
          <CardHeader
            title="Reserve a name"
            description={`Or from a terminal, with your SSH key: ${sshRelayCommand(relayAddress(env), "reserve <name>")}`}
          />
          <CardBody>
            <ReserveNameForm action={reserveNameAction} domainSuffix={suffix} atLimit={atLimit} />
            {atLimit && (
              <p className="mt-2 text-sm text-amber-800 dark:text-amber-200">
                You have used all {env.BURROW_MAX_NAMES} names. Release one to reserve another.
              </p>
            )}
          </CardBody>
        </Card>
        <Card>
          <CardHeader title="Your names" />
          <CardBody>
            <NamesTable
              initial={snapshot}
              releaseAction={releaseNameAction}
              keepAction={reserveNameAction}
              randomNameHours={env.BURROW_RANDOM_NAME_HOURS}
            />
          </CardBody>
        </Card>
      </div>
    </>
  );
}
