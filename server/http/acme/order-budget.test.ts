import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { BUDGET_WINDOW_MS, OrderBudget } from "./order-budget.ts";

const dir = mkdtempSync(join(tmpdir(), "burrow-budget-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("random names may order half the week's certificates, reserved names all of them; 0 is no limit", async () => {
  let now = 1_000_000_000_000;
  const budget = new OrderBudget(join(dir, "a.json"), 5, () => now);
  await budget.load();
  assert.equal(budget.refusal("random"), null);
  await budget.record();
  await budget.record();
  assert.equal(budget.refusal("random"), 2, "half of 5, rounded down");
  assert.equal(budget.refusal("reserved"), null);
  const undo = await budget.record();
  await budget.record();
  await budget.record();
  assert.equal(budget.refusal("reserved"), 5);
  await undo();
  assert.equal(budget.refusal("reserved"), null, "a failed order gives its place back");
  await budget.record();
  now += BUDGET_WINDOW_MS + 1;
  assert.equal(budget.used(), 0, "a week on, none count");

  const unlimited = new OrderBudget(join(dir, "b.json"), 0, () => now);
  for (let i = 0; i < 100; i++) await unlimited.record();
  assert.equal(unlimited.refusal("random"), null);
});

test("the count is kept in its file for the next start; a damaged file is refused, a missing one is empty", async () => {
  const file = join(dir, "kept.json");
  const now = () => 2_000_000_000_000;
  const first = new OrderBudget(file, 2, now);
  await first.load();
  await first.record();
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { orderedAt: [now()] });
  const second = new OrderBudget(file, 2, now);
  await second.load();
  assert.equal(second.used(), 1);

  writeFileSync(file, "{not json");
  await assert.rejects(new OrderBudget(file, 2, now).load(), /kept\.json is not a list of order times/);
  await new OrderBudget(join(dir, "missing.json"), 2, now).load();
});
