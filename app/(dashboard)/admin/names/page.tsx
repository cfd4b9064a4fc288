import type { Metadata } from "next";
import { AdminSearchForm } from "@/components/admin/admin-search-form";
import { AllNamesTable } from "@/components/admin/all-names-table";
import { AllRandomNamesTable } from "@/components/admin/all-random-names-table";
import { ReleaseProgress } from "@/components/names/release-progress";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { listAllNames, listAllRandomNames } from "@/lib/names/service";
import { releasesUnderWay } from "@/lib/request-logs/deletions";
import { ADMIN_LIST_MAX, adminListSummary, readAdminSearch } from "@/lib/web/admin-search";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { countOf } from "@/lib/web/format";
import { toLogDeletionView } from "@/lib/web/log-deletion-view";
import { continueLogDeletions } from "@/lib/web/log-deletions";
import { toRandomNameRow } from "@/lib/web/names-dto";
import { requireAdmin } from "@/lib/web/session";
import { releaseAnyNameAction } from "../actions";

export const metadata: Metadata = { title: "All names" };

export default async function AdminNamesPage({
  searchParams,
}: {
  searchParams: Promise<{ q?: string | string[] }>;
}) {
  await requireAdmin();
  const search = readAdminSearch((await searchParams).q);
  const holdHours = getEnv().BURROW_RANDOM_NAME_HOURS;
  const db = getDb();
  const [{ names, matching, all }, randomNames, releasing] = await Promise.all([
    listAllNames(db, { search, take: ADMIN_LIST_MAX }),
    listAllRandomNames(db, holdHours, search),
    releasesUnderWay(db),
  ]);
  // A release whose process stopped (a restart) is taken up again by the page that shows it.
  continueLogDeletions(
    db,
    releasing.map((release) => release.name),
  );
  const reserved = adminListSummary(names.length, matching, all, search, (n) => `${n} reserved`);
  return (
    <>
      <PageHeader
        title="All names"
        description={`${reserved} · ${countOf(randomNames.length, search ? "matching random name" : "random name")} kept`}
      />
      <Card>
        <CardBody>
          {/* Released names leave the list at once; until their logs are gone nobody may take them. */}
          {releasing.map((release) => (
            <ReleaseProgress key={release.name} release={toLogDeletionView(release)} />
          ))}
          <AdminSearchForm
            search={search}
            label="Search by name or owner’s email"
            placeholder="myapp or ann@"
          />
          {names.length === 0 ? (
            <EmptyState
              title={
                search ? `No reserved name or owner contains “${search}”` : "Nobody has reserved a name yet"
              }
            />
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
