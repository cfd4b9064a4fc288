import type { Connection } from "ssh2";
import { RequestBudget } from "./request-budget.ts";

/**
 * Rate limits for what a client sends that costs the relay work whatever its outcome: global
 * requests (forwards, cancels, keepalives and names ssh2 refuses by itself) and channel opens (the
 * relay accepts one session; every other type is refused). ssh2 answers unknown requests and refused
 * channel types internally, never telling the relay, so a client could send them endlessly — and one
 * that never reads the replies makes them pile up in the relay's memory. The guard wraps ssh2's
 * message handlers (internals, checked at run time like protocol-messages.ts) and reports a flood
 * instead of passing the message on.
 */
export type FloodKind = "global requests" | "channel opens";

/**
 * Budgets per connection. Global requests: room for every allowed forward plus its cancel, twice
 * over, and 64 more (keepalives, `~C` re-forwards), then 2 per second. Channel opens: a real client
 * opens one session; 16, then 1 per second.
 */
export function connectionBudgets(maxForwardsPerConnection: number): Record<FloodKind, RequestBudget> {
  return {
    "global requests": new RequestBudget({ capacity: 4 * maxForwardsPerConnection + 64, refillPerSecond: 2 }),
    "channel opens": new RequestBudget({ capacity: 16, refillPerSecond: 1 }),
  };
}

type Handler = (...args: unknown[]) => void;

interface ProtocolInternals {
  _handlers?: Record<string, Handler | undefined>;
}

const GUARDED: Record<FloodKind, string> = {
  "global requests": "GLOBAL_REQUEST",
  "channel opens": "CHANNEL_OPEN",
};

/**
 * Installs the budgets on a new connection. `onFlood` runs once, when a budget is overdrawn; that
 * message and every later guarded one are dropped unanswered (the caller ends the connection).
 * Returns false when ssh2's internals are not as expected (nothing installed).
 */
export function guardAgainstFloods(
  client: Connection,
  budgets: Record<FloodKind, RequestBudget>,
  onFlood: (kind: FloodKind) => void,
): boolean {
  const handlers = (client as unknown as { _protocol?: ProtocolInternals })._protocol?._handlers;
  const kinds = Object.keys(GUARDED) as FloodKind[];
  if (!handlers || kinds.some((kind) => typeof handlers[GUARDED[kind]] !== "function")) return false;
  let flooded = false;
  for (const kind of kinds) {
    const original = handlers[GUARDED[kind]] as Handler;
    handlers[GUARDED[kind]] = (...args: unknown[]) => {
      if (flooded) return;
      if (!budgets[kind].take()) {
        flooded = true;
        onFlood(kind);
        return;
      }
      original(...args);
    };
  }
  return true;
}
