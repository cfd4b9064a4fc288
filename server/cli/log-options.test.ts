import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "./command.ts";
import { parseDuration } from "./duration.ts";
import { logWindow } from "./log-options.ts";

test("durations in seconds, minutes, hours and days", () => {
  assert.equal(parseDuration("90s"), 90_000);
  assert.equal(parseDuration("15m"), 900_000);
  assert.equal(parseDuration(" 2H "), 7_200_000);
  assert.equal(parseDuration("7d"), 604_800_000);
  for (const text of ["", "0m", "1w", "1.5h", "-1h", "h", "1 h", "1h30m"])
    assert.equal(parseDuration(text), null, text);
});

test("the window from --since, --from and --to", () => {
  const now = Date.parse("2026-12-05T15:00:00Z");
  assert.deepEqual(logWindow({ since: "1h" }, now), { from: new Date("2026-12-05T14:00:00Z") });
  assert.deepEqual(logWindow({ from: "2026-12-05T10:00Z", to: "2026-12-05T11:00:00+00:00" }, now), {
    from: new Date("2026-12-05T10:00:00Z"),
    to: new Date("2026-12-05T11:00:00Z"),
  });
  assert.deepEqual(logWindow({ to: "2026-12-05T11:00Z" }, now), { to: new Date("2026-12-05T11:00:00Z") });
  assert.deepEqual(logWindow({ follow: true, since: "5m" }, now), { from: new Date("2026-12-05T14:55:00Z") });
  assert.deepEqual(logWindow({}, now), {});
});

test("a window that cannot be read or cannot match is refused, naming the option", () => {
  const now = Date.now();
  for (const [options, message] of [
    [{ since: "1 hour" }, /^--since takes a duration such as 30m, 2h or 7d$/],
    [{ from: "yesterday" }, /^--from takes a date and time such as 2026-12-05T14:00Z/],
    [{ to: "x".repeat(50) }, /^--to takes a date and time/],
    [{ since: "1h", from: "2026-12-05T10:00Z" }, /--since and --from both/],
    [{ from: "2026-12-05T11:00Z", to: "2026-12-05T10:00Z" }, /must start before it ends/],
    [{ to: "2026-12-05T10:00Z", follow: true }, /drop --to/],
  ] as const) {
    assert.throws(
      () => logWindow(options, now),
      (e) => e instanceof UsageError && message.test(e.message),
    );
  }
});

test("for the relay's commands a time without a zone is UTC, whatever the relay machine's zone", () => {
  const zone = process.env.TZ;
  // A machine east of UTC: read in its own time, 14:00 would be 13:00 UTC.
  process.env.TZ = "Europe/Paris";
  try {
    const now = Date.parse("2026-12-05T15:00:00Z");
    assert.deepEqual(logWindow({ from: "2026-12-05 14:00" }, now), {
      from: new Date("2026-12-05T13:00:00Z"),
    });
    assert.deepEqual(logWindow({ from: "2026-12-05 14:00", to: "2026-12-05T14:30:15" }, now, { utc: true }), {
      from: new Date("2026-12-05T14:00:00Z"),
      to: new Date("2026-12-05T14:30:15Z"),
    });
    // A zone of its own is kept.
    assert.deepEqual(logWindow({ from: "2026-12-05T14:00+01:00" }, now, { utc: true }), {
      from: new Date("2026-12-05T13:00:00Z"),
    });
    assert.throws(
      () => logWindow({ from: "tomorrow" }, now, { utc: true }),
      (e) =>
        e instanceof UsageError &&
        /^--from takes a date and time in UTC such as 2026-12-05T14:00,/.test(e.message),
    );
  } finally {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  }
});
