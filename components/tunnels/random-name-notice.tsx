import { Alert } from "../ui/alert";
import { LocalTime } from "../ui/local-time";

/**
 * The top of a random name's page: where the name came from, until when a reconnect gets it back,
 * and that keeping it gives it a name's settings. `keptUntil` is unset while it is connected.
 */
export function RandomNameNotice({
  name,
  holdHours,
  keptUntil,
}: {
  name: string;
  /** BURROW_RANDOM_NAME_HOURS */
  holdHours: number;
  keptUntil: string | undefined;
}) {
  const expired = keptUntil !== undefined && Date.parse(keptUntil) <= Date.now();
  return (
    <Alert tone="info">
      <span className="font-medium">A random name.</span> The relay gave this name to a connection without one
      ({"ssh -R 80:…"}).{" "}
      {expired ? (
        <>It no longer keeps it for reconnects: keep this name to use it again.</>
      ) : (
        <>
          It stays yours while connected and for {holdHours} h after
          {keptUntil && (
            <>
              {" "}
              (until <LocalTime iso={keptUntil} withDate />)
            </>
          )}
          : <code>{`ssh -R ${name}:80:localhost:<port>`}</code> gets it back. Keep this name to make it one of
          your names for good, with a password, share links and kept bodies.
        </>
      )}
    </Alert>
  );
}
