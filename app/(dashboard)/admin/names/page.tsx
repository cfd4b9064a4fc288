import type { Metadata } from "next";
import { AllNamesTable } from "@/components/admin/all-names-table";
import { AllRandomNamesTable } from "@/components/admin/all-random-names-table";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { listAllNames, listAllRandomNames } from "@/lib/names/service";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { countOf } from "@/lib/web/format";
import { toRandomNameRow } from "@/lib/web/names-dto";
import { requireAdmin } from "@/lib/web/session";
import { releaseAnyNameAction } from "../actions";

export const metadata: Metadata = { title: "All names" };

export default async function AdminNamesPage() {
  await requireAdmin();
  const holdHours = getEnv().BURROW_RANDOM_NAME_HOURS;
  const db = getDb();
  const [names, randomNames] = await Promise.all([listAllNames(db), listAllRandomNames(db, holdHours)]);
  return (
    <>
      <PageHeader
        title="All names"
        description={`${names.length} reserved · ${countOf(randomNames.length, "random name")} kept`}
      />
      <Card>
        <CardBody>
          {names.length === 0 ? (
            <EmptyState title="Nobody has reserved a name yet" />
          ) : (
            <AllNamesTable names={names} releaseAction={releaseAnyNameAction} />
          )}
        </CardBody>
      </Card>
      {randomNames.length > 0 && (
        <Card className="mt-6" labelledBy="random-names">
          <CardHeader
            id="random-names"
            title="Random names"
            description={`Given to connections without a name; each stays its user's while connected and for ${holdHours} h after.`}
          />
          <CardBody>
            <AllRandomNamesTable
              rows={randomNames.map((n) => ({ ...toRandomNameRow(n, holdHours), email: n.email }))}
              holdHours={holdHours}
              freeAction={releaseAnyNameAction}
            />
          </CardBody>
        </Card>
      )}
    </>
  );
}
