import { readFile } from "node:fs/promises";
import type { Browser } from "@playwright/test";
import { createSharingWorld, curl, type SharingWorld } from "./sharing/setup.ts";
import { expectAccessible } from "./support/axe.ts";
import { burrowUnderTest } from "./support/burrow-env.ts";
import { expect, test } from "./support/fixtures.ts";

let world: SharingWorld;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  world = await createSharingWorld(burrowUnderTest());
});

test.afterAll(async () => {
  await world?.close();
});

/** A connected name whose owner's page (its tunnel page) has Keep bodies on, and a visitor's page. */
async function keepingBodies(browser: Browser) {
  const name = await world.connect();
  const owner = await world.ownerContext(browser);
  const page = await owner.newPage();
  const visitor = await browser.newPage();
  await page.goto(`/tunnels/${name}`);
  await page.getByRole("button", { name: "Keep bodies" }).click();
  await expect(page.getByTestId("keep-bodies-state")).toHaveText("Keeping the first 64 KiB of each body");
  return { name, owner, page, visitor };
}

const ORDER = JSON.stringify({ order: "<b>42</b>", note: "it's" });

test("the owner turns on Keep bodies, reads a request's JSON and the app's answer, replays and downloads it", async ({
  browser,
}) => {
  // A long walk (1.3-1.6 min on a 2-core machine running two workers, more when it is busy).
  test.setTimeout(180_000);
  const burrow = burrowUnderTest();
  const name = await world.connect();
  const owner = await world.ownerContext(browser);
  const page = await owner.newPage();
  try {
    await page.goto(`/tunnels/${name}`);
    await expect(page.getByTestId("keep-bodies-state")).toHaveText("Bodies not kept");
    const post = (path: string) =>
      curl(burrow, name, path, ["-X", "POST", "-H", "content-type: application/json", "--data-raw", ORDER]);

    // Before: the log says the body was not kept, and the replay says why it lacks it.
    await post("/orders?before=1");
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    await log.getByRole("button", { name: "Details of POST /orders?before=1" }).click();
    const before = log.getByRole("row").filter({ hasText: "What happened" });
    await expect(before).toContainText("Not kept for this request.");
    await expect(before).toContainText(`the ${ORDER.length} B body: it was not kept`);
    // The reason reads on after the colon.
    await expect(before).toContainText("Cannot be sent again: its body was not kept");
    await expect(before.getByRole("button", { name: "Send again" })).toHaveCount(0);
    await log.getByRole("button", { name: "Details of POST /orders?before=1" }).click();
    const bodiesExport = page.getByRole("link", { name: "JSON lines with bodies" });
    await expect(page.getByRole("link", { name: "JSON lines", exact: true })).toBeVisible();
    await expect(bodiesExport).toHaveCount(0);

    await page.getByRole("button", { name: "Keep bodies" }).click();
    await expect(page.getByTestId("keep-bodies-state")).toHaveText("Keeping the first 64 KiB of each body");
    // Offered as soon as the name keeps bodies, not only once the page shows a kept one.
    await expect(bodiesExport).toBeVisible();
    // The relay hears of the change within moments: the next requests keep their bodies (their
    // rows reach the database within a second).
    let path = "";
    await expect
      .poll(
        async () => {
          await post(`/orders?n=${Date.now()}`);
          const row = await world.db.requestLog.findFirst({
            where: { name, path: { startsWith: "/orders?n=" }, requestBody: { not: null } },
            select: { path: true },
          });
          path = row?.path ?? "";
          return path;
        },
        { timeout: 15_000 },
      )
      .not.toBe("");

    await log.getByRole("button", { name: `Details of POST ${path}` }).click();
    const details = log.getByRole("row").filter({ hasText: "What happened" });
    // The visitor's JSON, indented for reading and shown as text (its HTML is not rendered).
    const sent = details.getByRole("region", { name: "Request body" });
    await expect(sent).toContainText('"order": "<b>42</b>"');
    await expect(details).toContainText("application/json · indented for reading");
    // The app's answer: its HTML as text, never as part of the dashboard's page.
    const answer = details.getByRole("region", { name: "Response body" });
    await expect(answer).toContainText("<h1>the local app</h1>");
    await expect(page.getByRole("heading", { name: "the local app" })).toHaveCount(0);
    await expectAccessible(page, "a request's details with its bodies");
    // The replay now carries the body, exactly as sent.
    const command =
      (await details
        .locator("code")
        .filter({ hasText: /^curl / })
        .textContent()) ?? "";
    expect(command).toContain(`--data-raw '{"order":"<b>42</b>","note":"it'\\''s"}'`);
    await expect(details).not.toContainText("Not in this command");
    // The download is the body as the visitor sent it.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      details.getByRole("link", { name: "Download" }).first().click(),
    ]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${name}-\\d+-request\\.json$`));
    expect(await readFile((await download.path()) ?? "", "utf8")).toBe(ORDER);
    // The whole log as JSON lines with bodies: this request's body as text, in its object.
    const [withBodies] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "JSON lines with bodies" }).click(),
    ]);
    expect(withBodies.suggestedFilename()).toMatch(new RegExp(`^${name}-requests-with-bodies-.*\\.ndjson$`));
    const exported = (await readFile((await withBodies.path()) ?? "", "utf8"))
      .trimEnd()
      .split("\n")
      .map(
        (line) =>
          JSON.parse(line) as { path: string; requestBody: { encoding: string; data: string } | null },
      );
    expect(exported.find((r) => r.path === path)?.requestBody).toEqual({ encoding: "utf8", data: ORDER });
    expect(exported.find((r) => r.path === "/orders?before=1")?.requestBody).toBeNull();

    // Sent again from here, straight to the app: the live tail brings its answer in as a new row.
    const rowsOfPath = log.getByRole("button", { name: `Details of POST ${path}` });
    await expect(rowsOfPath).toHaveCount(1);
    await details.getByRole("button", { name: "Send again" }).click();
    // Said where the owner clicked, once the answer's row is in.
    await expect(details.getByRole("status")).toContainText(
      /^Sent again from the dashboard \(Replay\)\. Your app answered 200\. Took .+; its row is at the top of the log\.$/,
    );
    await expect(rowsOfPath).toHaveCount(2);
    const replayed = await world.db.requestLog.findFirstOrThrow({
      where: { name, path, admission: "REPLAY" },
      select: { status: true, requestBody: true },
    });
    expect(Buffer.from(replayed.requestBody ?? []).toString()).toBe(ORDER);
    // Newest first: the replay above the original, whose details close.
    await rowsOfPath.last().click();
    await rowsOfPath.first().click();
    const replayDetails = log.getByRole("row").filter({ hasText: "What happened" });
    await expect(replayDetails).toContainText(
      `Sent again from the dashboard (Replay). Your app answered ${replayed.status}.`,
    );
    await expect(replayDetails.getByRole("region", { name: "Request body" })).toContainText(
      '"order": "<b>42</b>"',
    );
    // A replay is sent again too, though its row has no Content-Length (the relay framed its body).
    await expect(replayDetails).not.toContainText("Cannot be sent again");
    await replayDetails.getByRole("button", { name: "Send again" }).click();
    await expect(replayDetails.getByRole("status")).toContainText("Your app answered 200.");
    await expect(rowsOfPath).toHaveCount(3);
    await rowsOfPath.nth(1).click();

    // Edited first: a path that is not one is explained under its field, then the edit is sent.
    await rowsOfPath.last().click();
    await details.getByRole("button", { name: "Edit and send…" }).click();
    const edit = details.getByRole("form", { name: "Edit and send this request" });
    await expect(edit.getByLabel("Method")).toHaveValue("POST");
    await expect(edit.getByLabel("Headers")).toHaveValue(/content-type: application\/json/);
    await expect(edit.getByLabel("Body")).toHaveValue(ORDER);
    await edit.getByLabel("Path").fill("orders edited");
    await edit.getByRole("button", { name: "Send edited request" }).click();
    await expect(edit).toContainText("Start with / and leave no spaces");
    await edit.getByLabel("Path").fill("/orders/edited");
    await edit.getByLabel("Body").fill('{"order":"43"}');
    await edit.getByRole("button", { name: "Send edited request" }).click();
    await expect(edit.getByRole("status")).toContainText("Your app answered 200.");
    await expect(edit.getByLabel("Path")).toHaveValue("/orders/edited");
    const edited = log.getByRole("button", { name: "Details of POST /orders/edited" });
    await expect(edited).toHaveCount(1);
    await rowsOfPath.last().click();
    await edited.click();
    await expect(log.getByRole("row").filter({ hasText: "What happened" })).toContainText(
      "Sent again from the dashboard (Replay).",
    );
    await expect(
      log.getByRole("row").filter({ hasText: "What happened" }).getByRole("region", { name: "Request body" }),
    ).toContainText('"order": "43"');
    await expect(log.getByRole("row").filter({ hasText: "What happened" })).not.toContainText(
      "Cannot be sent again",
    );
    await edited.click();

    // A form post opens to its fields, decoded.
    await curl(burrow, name, "/signup", ["--data", "name=Ada+Lovelace&city=%3CLondon%3E"]);
    const signup = log.getByRole("button", { name: "Details of POST /signup" });
    await signup.click();
    const fields = log
      .getByRole("row")
      .filter({ hasText: "What happened" })
      .getByRole("table", { name: "Request body fields" });
    await expect(fields.getByRole("row").filter({ hasText: /^name/ })).toContainText("Ada Lovelace");
    await expect(fields.getByRole("row").filter({ hasText: /^city/ })).toContainText("<London>");
    await signup.click();

    // A form with a file upload (multipart) opens to its parts: the field's value, the file's name,
    // type and size.
    await curl(burrow, name, "/photos", [
      "-F",
      "album=Holidays",
      "-F",
      "photo=@package.json;filename=beach.png;type=image/png",
    ]);
    const photos = log.getByRole("button", { name: "Details of POST /photos" });
    await photos.click();
    const parts = log
      .getByRole("row")
      .filter({ hasText: "What happened" })
      .getByRole("table", { name: "Request body parts" });
    await expect(parts.getByRole("row").filter({ hasText: /^album/ })).toContainText("Holidays");
    await expect(parts.getByRole("row").filter({ hasText: /^photo/ })).toContainText(
      "File beach.png · image/png ·",
    );
    await photos.click();
    await signup.click();

    // What a visitor typed can go on its own: the row leaves the log, the others stay.
    await log.getByRole("button", { name: "Delete this request…" }).click();
    const one = page.getByRole("dialog", { name: "Delete this request?" });
    await expect(one).toContainText("POST /signup: its headers and any kept bodies go from the log.");
    await one.getByRole("button", { name: "Delete request" }).click();
    await expect(one).toBeHidden();
    await expect(signup).toHaveCount(0);
    expect(await world.db.requestLog.count({ where: { name, path: "/signup" } })).toBe(0);
    await expect(log.getByRole("button", { name: "Details of POST /orders?before=1" })).toHaveCount(1);
    await page.reload();
    await expect(log.getByRole("button", { name: "Details of POST /orders?before=1" })).toHaveCount(1);
    await expect(signup).toHaveCount(0);

    // Searching the log by body finds the kept request, not the one from before.
    await page.getByLabel("Bodies contain").fill("<B>42");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/[?&]body=%3CB%3E42/);
    // The request, its replay and the replay's.
    await expect(log.getByRole("row").filter({ hasText: path })).toHaveCount(3);
    await expect(log.getByRole("row").filter({ hasText: "/orders?before=1" })).toHaveCount(0);

    // Off again: the switch says so after a reload too.
    await page.getByRole("button", { name: "Stop keeping bodies" }).click();
    await expect(page.getByTestId("keep-bodies-state")).toHaveText("Bodies not kept");
    await page.reload();
    await expect(page.getByTestId("keep-bodies-state")).toHaveText("Bodies not kept");

    // What was kept can be deleted now, not at retention: the rows stay, their bodies go.
    await page.goto(`/tunnels/${name}`);
    // A body deleted elsewhere (another tab, the CLI) while its details are open: Download says so,
    // rather than the browser marking the download failed.
    await rowsOfPath.first().click();
    const open = log.getByRole("row").filter({ hasText: "What happened" });
    await expect(open.getByRole("region", { name: "Request body" })).toContainText('"order": "<b>42</b>"');
    const newest = await world.db.requestLog.findFirstOrThrow({
      where: { name, path },
      orderBy: { id: "desc" },
      select: { id: true },
    });
    await world.db.requestLog.update({ where: { id: newest.id }, data: { requestBody: null } });
    let downloads = 0;
    page.on("download", () => downloads++);
    await open.getByRole("link", { name: "Download" }).first().click();
    await expect(open.getByRole("alert")).toHaveText("This request's request body was not kept");
    expect(downloads).toBe(0);
    await rowsOfPath.first().click();
    await page.getByRole("button", { name: "Delete kept bodies…" }).click();
    const bodiesDialog = page.getByRole("dialog", { name: `Delete the bodies kept for ${name}?` });
    await expect(bodiesDialog).toContainText("The requests stay in the log without their bodies");
    await bodiesDialog.getByRole("button", { name: "Delete bodies" }).click();
    await expect(bodiesDialog).toBeHidden();
    await rowsOfPath.last().click();
    const after = log.getByRole("row").filter({ hasText: "What happened" });
    await expect(after.getByRole("region", { name: "Request body" })).toHaveCount(0);
    await expect(after).not.toContainText("<b>42</b>");
    // Nothing left to delete: the dialog says so and stays open.
    await page.getByRole("button", { name: "Delete kept bodies…" }).click();
    await bodiesDialog.getByRole("button", { name: "Delete bodies" }).click();
    await expect(bodiesDialog.getByRole("alert")).toContainText("No request has a kept body");
    await bodiesDialog.getByRole("button", { name: "Cancel" }).click();

    // And the whole log: the traffic chart and the empty log say so at once, not at the chart's
    // next poll (15 s) or a reload. Switching the chart's period back and forth starts its polling
    // afresh, so no poll can fall in the 3 s below and pass for the refresh.
    const summary = page.getByTestId("traffic-summary");
    await page.getByRole("button", { name: "Last day" }).click();
    await expect(summary).toHaveText(/in the last day/);
    await page.getByRole("button", { name: "Last hour" }).click();
    await expect(summary).toHaveText(/^[1-9]\d* requests in the last hour/);
    await page.getByRole("button", { name: "Delete all requests…" }).click();
    const allDialog = page.getByRole("dialog", { name: `Delete every request to ${name}?` });
    await allDialog.getByRole("button", { name: "Delete requests" }).click();
    await expect(allDialog).toBeHidden();
    await expect(summary).toHaveText("0 requests in the last hour", { timeout: 3_000 });
    await expect(page.getByText("The log is empty")).toBeVisible();
    await expect(
      page.getByText(`Every request was deleted. New requests to ${world.url(name)}`),
    ).toBeVisible();
    await expect(page.getByText("Run one of the commands under Connect")).toHaveCount(0);
    await expect(log).toHaveCount(0);
  } finally {
    await owner.close();
  }
});

test("a very long path says it was cut, offers no wrong curl command, and on a phone each status shows", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const burrow = burrowUnderTest();
  const name = await world.connect();
  const owner = await world.ownerContext(browser);
  const page = await owner.newPage();
  try {
    // Online with nothing logged: the empty log says what to do now, not how to connect. (Once the
    // row of the request that found the tunnel up is written, so nothing comes after.)
    await expect.poll(() => world.db.requestLog.count({ where: { name, status: 200 } })).toBeGreaterThan(0);
    await world.db.requestLog.deleteMany({ where: { name } });
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`/tunnels/${name}`);
    await expect(
      page.getByText(
        `Your tunnel is online: open ${world.url(name)} and requests appear here as they happen.`,
      ),
    ).toBeVisible();

    await curl(burrow, name, `/search?q=%3Cscript%3E&x=${"x".repeat(3000)}`, ["-A", "curl/7.88.1"]);
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    const row = log.getByRole("row").filter({ hasText: "/search?q=" });
    // On a phone the status is in view without scrolling the log sideways (the page scrolled down
    // to the row only: scrollIntoView would scroll the log too).
    await row.evaluate((r) => window.scrollTo(0, window.scrollY + r.getBoundingClientRect().top - 200));
    await expect(row.getByText("200", { exact: true })).toBeInViewport({ ratio: 1 });

    // Found by what a person reads in the path, not only by its percent-encoded form.
    await page.getByLabel("Path contains").fill("<script");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/[?&]path=%3Cscript/);
    await expect(row).toHaveCount(1);

    await row.getByRole("button", { name: /^Details of GET \/search\?q=/ }).click();
    const details = log.getByRole("row").filter({ hasText: "What happened" });
    await expect(details).toContainText("Cut: the log keeps the first 2048 characters of a path");
    // curl's User-Agent is its own description: said once.
    const visitorItem = details
      .locator("dt", { hasText: /^Visitor$/ })
      .locator("xpath=following-sibling::dd");
    await expect(visitorItem).toHaveText(/^\S+ · curl\/7\.88\.1 · Only this visitor$/);
    // No command that would silently ask for another URL; the replay names the real reason.
    await expect(details.locator("code").filter({ hasText: /^curl / })).toHaveCount(0);
    await expect(details).toContainText(
      "No command: the log kept only the first 2048 characters of its path",
    );
    await expect(details).toContainText("Cannot be sent again: its path was too long to keep whole.");
    // Header names break only where they must: "content-type" fits on one line.
    const contentType = details
      .getByRole("table", { name: "Response headers" })
      .getByRole("rowheader", { name: /^content-type$/i });
    const lines = await contentType.evaluate((cell) => {
      const range = document.createRange();
      range.selectNodeContents(cell);
      return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
    });
    expect(lines).toBe(1);

    // Edit and send says up front why the path ends in "…", and again if it is sent as it is.
    await details.getByRole("button", { name: "Edit and send…" }).click();
    const edit = details.getByRole("form", { name: "Edit and send this request" });
    await expect(edit).toContainText("The log cut this path at 2048 characters: … marks where the rest was.");
    await edit.getByRole("button", { name: "Send edited request" }).click();
    await expect(edit).toContainText("The log cut this path at 2048 characters");
    await expect(edit).not.toContainText("Start with /");
  } finally {
    await owner.close();
  }
});

test("a request's own link opens it above the log, a replay links to the request it was sent from, a gone one says so", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const burrow = burrowUnderTest();
  const name = await world.connect();
  const owner = await world.ownerContext(browser);
  const page = await owner.newPage();
  try {
    await curl(burrow, name, "/hello?first=1");
    await page.goto(`/tunnels/${name}`);
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    await log.getByRole("button", { name: "Details of GET /hello?first=1" }).click();
    const original = await world.db.requestLog.findFirstOrThrow({
      where: { name, path: "/hello?first=1" },
      select: { id: true },
    });
    const link = `${burrow.dashboardUrl}/tunnels/${name}?request=${original.id}`;
    await expect(log.getByRole("row").filter({ hasText: "What happened" }).locator("code").last()).toHaveText(
      link,
    );

    // Opened from its link, the request is shown with its details above the log (even once newer
    // requests pushed it off the log's first page, which this does not need to wait for).
    await page.goto(link);
    const linked = page.getByRole("region", { name: "Linked request" });
    await expect(linked).toContainText("GET /hello?first=1 · 200");
    await expect(linked).toContainText("What happened");

    // Sent again from there: the replay's row comes into the log and links back to the original.
    await linked.getByRole("button", { name: "Send again" }).click();
    await expect(linked.getByRole("status")).toContainText("Your app answered 200.");
    const rows = log.getByRole("button", { name: "Details of GET /hello?first=1" });
    await expect(rows).toHaveCount(2);
    await linked.getByRole("link", { name: "Close" }).click();
    await expect(linked).toHaveCount(0);
    await expect(page).not.toHaveURL(/request=/);
    await rows.first().click();
    const replay = log.getByRole("row").filter({ hasText: "What happened" });
    await expect(replay).toContainText("Sent again from the dashboard (Replay).");
    await replay.getByRole("link", { name: "The request it was sent from" }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]request=${original.id}$`));
    await expect(linked).toContainText("GET /hello?first=1 · 200");
    await expect(linked).not.toContainText("Sent again from the dashboard");

    // Deleted from the log's table while it is the linked request: it goes from both.
    await rows.first().click(); // the replay's details close
    await rows.last().click();
    await log.getByRole("button", { name: "Delete this request…" }).click();
    await page
      .getByRole("dialog", { name: "Delete this request?" })
      .getByRole("button", { name: "Delete request" })
      .click();
    await expect(rows).toHaveCount(1);
    await expect(linked).toHaveCount(0);
    await expect(page).not.toHaveURL(/request=/);
    // Its link now says so instead of showing something else.
    await page.goto(link);
    await expect(linked).toContainText("This request is no longer in the log");
    await page.goto(`/tunnels/${name}?request=12ab`);
    await expect(linked).toContainText("This link does not name a request of this log");
    const replayRow = await world.db.requestLog.findFirstOrThrow({ where: { name, admission: "REPLAY" } });
    expect(replayRow.replayOf).toBe(original.id);
  } finally {
    await owner.close();
  }
});

test("with Keep bodies on, a WebSocket's messages show in its details in the order they were sent, decompressed", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const { name, owner, page, visitor } = await keepingBodies(browser);
  try {
    // A visitor's browser talks to the app through the tunnel (Chromium offers permessage-deflate,
    // which the app accepts). The relay hears of Keep bodies within moments: talk until it kept some.
    await visitor.goto(world.url(name));
    const talk = () =>
      visitor.evaluate(async () => {
        const ws = new WebSocket(`ws://${location.host}/ws`);
        await new Promise((resolve, reject) => {
          ws.onopen = resolve;
          ws.onerror = reject;
        });
        const replies: string[] = [];
        for (const message of ['{"hello":"<b>visitor</b>"}', "second"]) {
          const reply = new Promise<string>((resolve) => {
            ws.onmessage = (event) => resolve(String(event.data));
          });
          ws.send(message);
          replies.push(await reply);
        }
        const closed = new Promise((resolve) => {
          ws.onclose = resolve;
        });
        ws.close(1000, "bye");
        await closed;
        return replies;
      });
    // Talk again only once every conversation so far has its row, closed, and the last kept nothing:
    // the newest row, opened below, must be finished and have kept its messages, not be one whose
    // row or end is still on its way.
    let talks = 0;
    await expect
      .poll(
        async () => {
          const where = { name, path: "/ws" };
          const [rows, newest] = await Promise.all([
            world.db.requestLog.count({ where }),
            world.db.requestLog.findFirst({
              where,
              orderBy: { id: "desc" },
              select: { open: true, requestBody: true },
            }),
          ]);
          if (rows < talks || newest?.open) return "still writing";
          if (newest?.requestBody) return "kept";
          expect(await talk()).toEqual(['echo: {"hello":"<b>visitor</b>"}', "echo: second"]);
          talks += 1;
          return "talked";
        },
        { timeout: 15_000 },
      )
      .toBe("kept");

    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    await log.getByRole("button", { name: "Details of GET /ws" }).first().click();
    const details = log.getByRole("row").filter({ hasText: "What happened" });
    // Both sides as one conversation, in the order the messages crossed the relay, each dated.
    const conversation = details.getByRole("list", { name: "Messages in the order they were sent" });
    const said = conversation.getByRole("listitem");
    await expect(said).toHaveCount(6);
    await expect(said.nth(0)).toContainText(/^Visitor → \+[\d.]+ (ms|s) · Text · .* · compressed/);
    await expect(said.nth(0)).toContainText('{"hello":"<b>visitor</b>"}');
    await expect(said.nth(1)).toContainText("← Your app");
    await expect(said.nth(1)).toContainText('echo: {"hello":"<b>visitor</b>"}');
    await expect(said.nth(2)).toContainText("Visitor →");
    await expect(said.nth(2)).toContainText("second");
    await expect(said.nth(3)).toContainText("echo: second");
    await expect(said.nth(4)).toContainText(/Visitor → .*Close 1000.*bye/);
    await expect(said.nth(5)).toContainText(/← Your app .*Close 1000/);
    await expect(details).toContainText("From the visitor: 3 messages");
    // The visitor's text is shown as text, never as part of the dashboard's page.
    await expect(page.locator("b", { hasText: "visitor" })).toHaveCount(0);
  } finally {
    await visitor.close();
    await owner.close();
  }
});

test("a WebSocket is in the live log as Open while it lasts, its details show messages as they are sent, and when it closes the same row shows its time", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const { name, owner, page, visitor } = await keepingBodies(browser);
  try {
    // The relay hears of Keep bodies within moments: posts until one's body was kept.
    await expect
      .poll(
        async () => {
          await curl(burrowUnderTest(), name, `/warm?n=${Date.now()}`, ["--data-raw", "x"]);
          return world.db.requestLog.count({ where: { name, requestBody: { not: null } } });
        },
        { timeout: 15_000 },
      )
      .toBeGreaterThan(0);
    await expect(page.getByTestId("live-tail-mode")).toHaveAttribute("data-mode", "push");
    await visitor.goto(world.url(name));
    // Opened and left open.
    const reply = await visitor.evaluate(async () => {
      const ws = new WebSocket(`ws://${location.host}/ws`);
      (window as unknown as { openSocket: WebSocket }).openSocket = ws;
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      const answer = new Promise<string>((resolve) => {
        ws.onmessage = (event) => resolve(String(event.data));
      });
      ws.send("still here");
      return answer;
    });
    expect(reply).toBe("echo: still here");

    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    const row = log.getByRole("row").filter({ hasText: "/ws" }).first();
    await expect(row).toContainText("Open", { timeout: 15_000 });
    await row.getByRole("button", { name: "Details of GET /ws" }).click();
    const details = log.getByRole("row").filter({ hasText: "What happened" });
    await expect(details).toContainText("a WebSocket connection that is still open");
    await expect(details).toContainText("still open");
    // While the details are open, what it has sent so far comes in, and so does the next message.
    const conversation = details.getByRole("list", { name: "Messages in the order they were sent" });
    await expect(conversation.getByRole("listitem").first()).toContainText(/Visitor → .*still here/, {
      timeout: 15_000,
    });
    await expect(details).toContainText(/\d+ B from the visitor · \d+ B to the visitor so far/);
    await visitor.evaluate(() =>
      (window as unknown as { openSocket: WebSocket }).openSocket.send("and one more thing"),
    );
    await expect(conversation).toContainText("echo: and one more thing", { timeout: 15_000 });
    await expect(row).toContainText("Open");
    // Its size so far, where a finished row's size goes.
    await expect(row).toContainText(/Open\s*\d+ B/, { timeout: 15_000 });

    await visitor.evaluate(() =>
      (window as unknown as { openSocket: WebSocket }).openSocket.close(1000, "done"),
    );
    // The same row, finished in place: no new row, no reload.
    await expect(row).not.toContainText("Open", { timeout: 15_000 });
    await expect(row).toContainText(/\d+(\.\d+)? (ms|s|min)/);
    await expect(details).toContainText("took");
    await expect(details).not.toContainText("still open");
    await expect(conversation.getByRole("listitem").last()).toContainText(/← Your app .*Close 1000/);
    await expect(log.getByRole("button", { name: "Details of GET /ws" })).toHaveCount(1);
  } finally {
    await visitor.close();
    await owner.close();
  }
});
