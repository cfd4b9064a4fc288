import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, test } from "node:test";
import pg from "pg";
import { migrate } from "../db/migrate.ts";
import { createDb, type Db } from "../db.ts";
import { createTestDatabase, testServerUrl } from "../testing/db.ts";
import { commentSql, currentMaker } from "../testing/leftover-databases.ts";
import { CUT_NAME, captureHeaders, LOG_HEADERS_MAX, parseStoredHeaders } from "./headers.ts";
import { listRequestLogs } from "./query.ts";

// What the log's searches find for text people type: letters beyond ASCII in either case, and form
// posts (urlencoded) on either side, whatever else their header lists held.

const database = await createTestDatabase("search_text");
after(() => database.drop());
const { db } = database;

const base = { method: "POST", status: 200, durationMs: 1, clientIp: "198.51.100.4" };
const FORM = "application/x-www-form-urlencoded";
/** As Node hands header values on and the log stores them: one Latin-1 character a byte. */
const bytes = (text: string) => Buffer.from(text, "utf8").toString("latin1");
const body = (text: string) => new Uint8Array(Buffer.from(text));

const pathsOf = async (filter: Parameters<typeof listRequestLogs>[1]) =>
  (await listRequestLogs(db, filter)).rows.map((r) => r.path);

/**
 * A migrated test database whose locale is "C" (as embedded and many hosted servers are), where
 * PostgreSQL's own case folding (lower, ILIKE) knows ASCII only; the default one is C.UTF-8.
 */
async function createCLocaleDatabase(): Promise<{ db: Db; drop(): Promise<void> }> {
  const server = testServerUrl();
  const name = `burrow_test_search_c_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(
      `CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`,
    );
    await admin.query(commentSql(name, currentMaker()));
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  const cDb = createDb(url.toString(), { max: 2, applicationName: "burrow-test-search-c" });
  return {
    db: cDb,
    async drop() {
      await cDb.$disconnect();
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

const cLocale = await createCLocaleDatabase();
after(() => cLocale.drop());

for (const [server, on] of [
  ["C.UTF-8", db],
  ["C", cLocale.db],
] as const) {
  test(`searches fold the case of letters beyond ASCII: paths, headers, bodies and form fields (${server} server)`, () =>
    foldingSearches(on));
}

async function foldingSearches(db: Db): Promise<void> {
  const name = "folding";
  const pathsOf = async (filter: Parameters<typeof listRequestLogs>[1]) =>
    (await listRequestLogs(db, filter)).rows.map((r) => r.path);
  await db.requestLog.createMany({
    data: [
      { ...base, name, path: "/caf%C3%A9/menu" },
      { ...base, name, path: "/CR%C3%88ME" },
      { ...base, name, path: "/h", requestHeaders: captureHeaders(["X-Name", bytes("Café Crème")]) },
      { ...base, name, path: "/b", requestBody: body('{"drink":"café","city":"ÅRHUS","greek":"Σοφία"}') },
      {
        ...base,
        name,
        path: "/f",
        requestHeaders: captureHeaders(["Content-Type", FORM]),
        requestBody: body("q=CAF%C3%89+CR%C3%88ME"),
      },
      // Same letters with other accents, or another character sharing a byte: never matched.
      { ...base, name, path: "/cafe%CC%81-cafè" },
      { ...base, name, path: "/x", requestHeaders: captureHeaders(["X-Name", bytes("cafã©")]) },
    ],
  });
  assert.deepEqual(await pathsOf({ name, pathContains: "CAFÉ" }), ["/caf%C3%A9/menu"]);
  assert.deepEqual(await pathsOf({ name, pathContains: "crème" }), ["/CR%C3%88ME"]);
  assert.deepEqual(await pathsOf({ name, headersContain: "CAFÉ CRÈME" }), ["/h"]);
  assert.deepEqual(await pathsOf({ name, bodiesContain: "CAFÉ" }), ["/f", "/b"]);
  assert.deepEqual(await pathsOf({ name, bodiesContain: "århus" }), ["/b"]);
  assert.deepEqual(await pathsOf({ name, bodiesContain: "ΣΟΦΊΑ" }), ["/b"], "Greek, final sigma aside");
  assert.deepEqual(await pathsOf({ name, bodiesContain: "café crème" }), ["/f"], "a form field, any case");
  // The typed case still matches, and ASCII still folds beside the accented letters.
  assert.deepEqual(await pathsOf({ name, headersContain: "cAfé" }), ["/h"]);
}

test("an urlencoded response body is found by its fields as they read, as a request body is", async () => {
  const name = "answers";
  await db.requestLog.createMany({
    data: [
      {
        ...base,
        name,
        path: "/token",
        responseHeaders: captureHeaders(["Content-Type", `${FORM}; charset=utf-8`]),
        responseBody: body("status=ok&name=caf%C3%A9+au+lait"),
      },
      {
        ...base,
        name,
        path: "/text",
        responseHeaders: captureHeaders(["Content-Type", "text/plain"]),
        responseBody: body("name=caf%C3%A9+au+lait"),
      },
    ],
  });
  assert.deepEqual(await pathsOf({ name, bodiesContain: "café au lait" }), ["/token"]);
  assert.deepEqual(await pathsOf({ name, bodiesContain: "CAFÉ AU" }), ["/token"]);
  // As sent still finds both; in a body that is no form, "+" means itself.
  assert.deepEqual(await pathsOf({ name, bodiesContain: "caf%C3%A9+au" }), ["/text", "/token"]);
});

test("a form is known by its Content-Type even when it came after the 100 headers a list keeps", async () => {
  const name = "crowded";
  const filler = Array.from({ length: LOG_HEADERS_MAX + 20 }, (_, i) => [`X-Filler-${i}`, "v"]).flat();
  const requestHeaders = captureHeaders([...filler, "Content-Type", FORM, "Content-Encoding", "identity"]);
  const kept = parseStoredHeaders(requestHeaders) ?? [];
  await db.requestLog.createMany({
    data: [
      { ...base, name, path: "/late", requestHeaders, requestBody: body("note=a+b&name=caf%C3%A9") },
      {
        ...base,
        name,
        path: "/late-answer",
        responseHeaders: captureHeaders([...filler, "content-type", FORM]),
        responseBody: body("note=a+b"),
      },
    ],
  });
  assert.deepEqual(await pathsOf({ name, bodiesContain: "a b" }), ["/late-answer", "/late"]);
  assert.deepEqual(await pathsOf({ name, bodiesContain: "name=café" }), ["/late"]);
  // The list still says how many it left out, and keeps the rest in the order they came.
  assert.deepEqual(kept.at(-1), [CUT_NAME, "20 more headers not kept"]);
  assert.deepEqual(kept.slice(LOG_HEADERS_MAX - 1, -1), [
    ["X-Filler-99", "v"],
    ["Content-Type", FORM],
    ["Content-Encoding", "identity"],
  ]);
});
