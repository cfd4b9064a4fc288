"use client";

import { countOf } from "@/lib/web/format";
import type { KeyRow } from "@/lib/web/key-rows";
import { useNewest } from "../hooks/use-newest";
import { usePushedJson } from "../hooks/use-pushed-json";
import { NotUpdating, notLive } from "../session/not-updating";
import { Card, CardBody, CardHeader } from "../ui/card";
import type { ConfirmableAction } from "../ui/confirm-action";
import { KeyList } from "./key-list";

/**
 * The keys page's list, live: a key added or deleted in another tab or by the CLI, and the names
 * each key has connected (shown on its row), follow without a reload. The user's event stream
 * announces key changes and tunnels alike (/api/events); polled every 10 s while it is down.
 */
export function YourKeys({ initial, deleteAction }: { initial: KeyRow[]; deleteAction: ConfirmableAction }) {
  const { data, failure, ended, asOf } = usePushedJson<KeyRow[]>(
    "/api/keys",
    initial,
    10_000,
    "/api/events",
    "names",
  );
  const keys = useNewest(initial, data);
  return (
    <Card className="lg:col-span-3">
      <CardHeader title="Your keys" description={countOf(keys.length, "key")} />
      <CardBody>
        {/* Empty (no height) until the list stops updating: the live region must exist before it speaks. */}
        <p aria-live="polite" className={failure || ended ? "mb-2 text-xs" : "text-xs"}>
          {(ended || failure) && <NotUpdating asOf={asOf} failure={ended ? null : failure} />}
        </p>
        <div className={notLive(ended)}>
          <KeyList deleteAction={deleteAction} keys={keys} />
        </div>
      </CardBody>
    </Card>
  );
}
