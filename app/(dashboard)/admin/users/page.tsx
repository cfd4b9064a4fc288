import type { Metadata } from "next";
import { AdminSearchForm } from "@/components/admin/admin-search-form";
import { CreateUserForm } from "@/components/admin/create-user-form";
import { SetPasswordAction } from "@/components/admin/set-password-action";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmAction } from "@/components/ui/confirm-action";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { TimeAgo } from "@/components/ui/time-ago";
import { PASSWORD_MIN_LENGTH } from "@/lib/users/schemas";
import { listUsers, userDeletionBlockers } from "@/lib/users/service";
import { ADMIN_LIST_MAX, adminListSummary, readAdminSearch } from "@/lib/web/admin-search";
import { getDb } from "@/lib/web/db";
import { countOf } from "@/lib/web/format";
import { requireAdmin } from "@/lib/web/session";
import {
  createUserAction,
  deleteUserAction,
  setUserDisabledAction,
  setUserPasswordAction,
  setUserRoleAction,
} from "../actions";

export const metadata: Metadata = { title: "Users" };

const PASSWORD_HINT = `At least ${PASSWORD_MIN_LENGTH} characters.`;

export default async function AdminUsersPage({
  searchParams,
}: {
  searchParams: Promise<{ q?: string | string[] }>;
}) {
  const me = await requireAdmin();
  const search = readAdminSearch((await searchParams).q);
  const { users, matching, all } = await listUsers(getDb(), { search, take: ADMIN_LIST_MAX });
  const deletionBlockers = await userDeletionBlockers(
    getDb(),
    users.map((u) => u.id),
  );
  return (
    <>
      <PageHeader
        title="Users"
        description={adminListSummary(users.length, matching, all, search, (n) => countOf(n, "account"))}
      />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardBody>
            <AdminSearchForm search={search} label="Search by email" placeholder="ann@ or example.com" />
            {users.length === 0 && <EmptyState title={`No account’s email contains “${search}”`} />}
            <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" aria-label="Users">
              {users.map((u) => (
                <li key={u.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
                  <div className="min-w-0">
                    <p className="flex flex-wrap items-center gap-2">
                      <span className="truncate font-medium text-zinc-900 dark:text-zinc-100">{u.email}</span>
                      {u.role === "ADMIN" && (
                        <span className="rounded bg-indigo-50 dark:bg-indigo-950/40 px-1.5 py-0.5 text-xs font-medium text-indigo-700 dark:text-indigo-300">
                          Admin
                        </span>
                      )}
                      {u.disabledAt && (
                        <span className="rounded bg-red-50 dark:bg-red-950/40 px-1.5 py-0.5 text-xs font-medium text-red-700 dark:text-red-300">
                          Disabled
                        </span>
                      )}
                      {u.id === me.id && (
                        <span className="text-xs text-zinc-500 dark:text-zinc-400">(you)</span>
                      )}
                    </p>
                    <p className="text-xs text-zinc-500 dark:text-zinc-400">
                      {countOf(u.names, "name")} · {countOf(u.keys, "key")} · joined{" "}
                      <TimeAgo date={u.createdAt.toISOString()} />
                    </p>
                  </div>
                  {u.id !== me.id && (
                    <div className="flex flex-wrap gap-2">
                      <SetPasswordAction
                        action={setUserPasswordAction}
                        userId={u.id}
                        email={u.email}
                        passwordHint={PASSWORD_HINT}
                      />
                      <ConfirmAction
                        action={setUserRoleAction}
                        fields={{ userId: u.id, role: u.role === "ADMIN" ? "USER" : "ADMIN" }}
                        triggerLabel={u.role === "ADMIN" ? "Remove admin" : "Make admin"}
                        triggerAriaLabel={`${u.role === "ADMIN" ? "Remove admin from" : "Make admin"} ${u.email}`}
                        title={
                          u.role === "ADMIN" ? `Remove admin from ${u.email}?` : `Make ${u.email} an admin?`
                        }
                        body={
                          u.role === "ADMIN"
                            ? "They keep their account, names and keys."
                            : "Admins can manage every user, name and tunnel."
                        }
                        confirmLabel={u.role === "ADMIN" ? "Remove admin" : "Make admin"}
                      />
                      <ConfirmAction
                        action={setUserDisabledAction}
                        fields={{ userId: u.id, disabled: u.disabledAt ? "false" : "true" }}
                        triggerLabel={u.disabledAt ? "Enable" : "Disable"}
                        triggerAriaLabel={`${u.disabledAt ? "Enable" : "Disable"} ${u.email}`}
                        title={u.disabledAt ? `Enable ${u.email}?` : `Disable ${u.email}?`}
                        body={
                          u.disabledAt
                            ? "They can sign in and connect tunnels again."
                            : "They are signed out, cannot connect, and their open tunnels close now."
                        }
                        confirmLabel={u.disabledAt ? "Enable" : "Disable"}
                      />
                      <ConfirmAction
                        action={deleteUserAction}
                        fields={{ userId: u.id }}
                        triggerLabel="Delete"
                        triggerAriaLabel={`Delete ${u.email}`}
                        title={`Delete ${u.email}?`}
                        body={`${
                          u.names === 0
                            ? ""
                            : `Their ${u.names === 1 ? "name is" : `${u.names} names are`} released and the request logs deleted. `
                        }Their keys, share links, tunnel history, sign-ins and random-name tunnel logs go with the account. This cannot be undone.`}
                        // Said up front, as Release does, not as a failure after Delete account.
                        // As of this page's load; the server still checks.
                        blockedReason={
                          deletionBlockers.has(u.id) ? `${deletionBlockers.get(u.id)}.` : undefined
                        }
                        confirmLabel="Delete account"
                      />
                    </div>
                  )}
                </li>
              ))}
            </ul>
          </CardBody>
        </Card>
        <Card>
          <CardHeader title="Create a user" />
          <CardBody>
            <CreateUserForm action={createUserAction} />
          </CardBody>
        </Card>
      </div>
    </>
  );
}
