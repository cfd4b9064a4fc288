import type { Tunnel } from "../registry.ts";

/**
 * A tunnel for the gate's own tests: the gate only keys its cache by it, and nothing may reach an
 * app through it.
 */
export const GATE_TEST_TUNNEL: Tunnel = {
  name: "stub",
  sessionId: "s",
  userId: "u",
  reservationId: null,
  clientIp: "127.0.0.1",
  startedAt: new Date(0),
  target: "port 80",
  openStream: () => Promise.reject(new Error("not in gate tests")),
  notify: () => {},
  recordRequest: () => {},
  close: () => {},
};
