import assert from "node:assert/strict";
import { test } from "node:test";
import { readPassword } from "./prompt.ts";

/** A terminal that answers each question with the next of `answers`, and keeps what was said. */
function terminal(answers: string[]) {
  const asked: string[] = [];
  const said: string[] = [];
  return {
    asked,
    said,
    ask: async (question: string) => {
      asked.push(question);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`asked once too often: ${question}`);
      return answer;
    },
    say: (line: string) => {
      said.push(line);
    },
  };
}

test("a too-short password or a mismatched repeat is said and asked again", async () => {
  const t = terminal(["short", "long enough pw", "typo in it!", "long enough pw", "long enough pw"]);
  assert.equal(await readPassword(undefined, t.ask, t.say), "long enough pw");
  assert.deepEqual(t.said, [
    "Use at least 10 characters. Try again (2 of 3).",
    "The passwords do not match. Try again (3 of 3).",
  ]);
  assert.equal(t.asked.length, 5);
});

test("after three tries it gives up with the last reason", async () => {
  const t = terminal(["short", "tiny", "nope"]);
  await assert.rejects(readPassword(undefined, t.ask, t.say), /Use at least 10 characters/);
  assert.equal(t.asked.length, 3, "not asked a fourth time");
  const env = terminal([]);
  assert.equal(await readPassword("from the environment", env.ask, env.say), "from the environment");
  assert.equal(env.asked.length, 0);
});

test("a password of spaces alone is said and asked again (`burrow user add`, `user password`)", async () => {
  const t = terminal([" ".repeat(12), "  spaced pw  ", "  spaced pw  "]);
  assert.equal(await readPassword(undefined, t.ask, t.say), "  spaced pw  ", "kept as typed");
  assert.deepEqual(t.said, ["A password cannot be only spaces. Try again (2 of 3)."]);
});
