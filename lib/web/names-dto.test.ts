import assert from "node:assert/strict";
import { test } from "node:test";
import { type NameRow, overviewTotals, type RandomNameRow } from "./names-dto.ts";

const name = (over: Partial<NameRow>): NameRow => ({
  name: "app",
  online: false,
  lastSeenAt: null,
  requests24h: 0,
  errors24h: 0,
  accessMode: "PUBLIC",
  allowedNetworks: 0,
  session: null,
  ...over,
});

test("the overview's tiles count random names with reserved ones, online or not", () => {
  const random: RandomNameRow = {
    name: "k3x9",
    online: true,
    keptUntil: null,
    requests24h: 5,
    errors24h: 2,
    session: null,
  };
  const names = [name({ online: true, requests24h: 7, errors24h: 1 }), name({ name: "api", requests24h: 3 })];
  assert.deepEqual(overviewTotals({ names, randomNames: [random] }), {
    online: 2,
    tunnels: 3,
    requests24h: 15,
    errors24h: 3,
  });
  assert.deepEqual(overviewTotals({ names: [], randomNames: [] }), {
    online: 0,
    tunnels: 0,
    requests24h: 0,
    errors24h: 0,
  });
});
