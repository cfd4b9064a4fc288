/**
 * Which relay holds the database (one relay per database: server/control/relay-lock.ts), as
 * `burrow status` says it: its pid, machine, address and since when, or that none runs on it.
 * `holder` is describeHolder's text, null when no relay holds the database.
 */
export function RelayLockStatus({ holder }: { holder: string | null }) {
  return (
    <p
      data-testid="relay-lock"
      className={
        holder === null
          ? "mb-4 text-sm text-amber-700 dark:text-amber-300"
          : "mb-4 text-sm text-zinc-700 dark:text-zinc-300"
      }
    >
      {holder === null
        ? "Relay: none running on this database (no relay holds it)"
        : `Relay: running (${holder})`}
    </p>
  );
}
