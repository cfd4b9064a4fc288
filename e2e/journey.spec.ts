import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { isoToLocal } from "../lib/web/local-time.ts";
import { expect, expectFitsPhone, reserveName, signUp, test, unique } from "./support/fixtures.ts";
import { generateKey, startLocalApp, startTunnel, type Tunnel } from "./support/ssh.ts";

test("a new user signs up, adds a key, reserves a name, connects with ssh and watches the traffic", async ({
  page,
  burrow,
}) => {
  // A long walk (1.3-1.6 min on a 2-core machine running two workers, more when it is busy).
  test.setTimeout(180_000);
  const dir = await mkdtemp(join(tmpdir(), "burrow-e2e-journey-"));
  const key = await generateKey(dir);
  const app = await startLocalApp("hello from the e2e laptop");
  let tunnel: Tunnel | undefined;
  try {
    await signUp(page);
    // A new account's overview says how to get going, with the command for this relay.
    const gettingStarted = page.getByRole("region", { name: "Get started" });
    await expect(gettingStarted).toContainText("Add your SSH public key");
    await expect(gettingStarted).not.toContainText("Done");
    // Nothing to count yet, and a key is all it takes (a name is optional on this relay).
    await expect(page.getByText("Tunnels online").locator("..")).toContainText("None yet");
    await expect(
      page.getByText("Add an SSH key, then connect with ssh -R 80:… for a random address"),
    ).toBeVisible();
    await expect(gettingStarted).toContainText("No name needed: it gets a random address.");
    // The command starts at 8000, not at 3000 (a default install's dashboard), with a port field.
    const startCommand = gettingStarted.getByTestId("get-started-command");
    await expect(gettingStarted.getByLabel("Local port")).toHaveValue("8000");
    await expect(startCommand).toHaveText(`ssh -R 80:localhost:8000 -p ${burrow.sshPort} 127.0.0.1`);
    await gettingStarted.getByLabel("Local port").fill("5173");
    await expect(startCommand).toHaveText(`ssh -R 80:localhost:5173 -p ${burrow.sshPort} 127.0.0.1`);
    await page.reload();
    await expect(gettingStarted.getByLabel("Local port")).toHaveValue("5173");
    await expect(startCommand).toHaveText(`ssh -R 80:localhost:5173 -p ${burrow.sshPort} 127.0.0.1`);
    // On a phone the whole command shows, wrapped in its box, none of it under the Copy button.
    await expectFitsPhone(page);
    const desktop = page.viewportSize();
    await page.setViewportSize({ width: 390, height: 800 });
    await expect(startCommand).toHaveText(`ssh -R 80:localhost:5173 -p ${burrow.sshPort} 127.0.0.1`);
    expect(await startCommand.evaluate((code) => code.scrollWidth <= code.clientWidth)).toBe(true);
    const codeBox = await startCommand.boundingBox();
    const copyBox = await gettingStarted.getByRole("button", { name: "Copy ssh command" }).boundingBox();
    expect(codeBox && copyBox && codeBox.x + codeBox.width <= copyBox.x).toBe(true);
    if (desktop) await page.setViewportSize(desktop);
    await expect(gettingStarted).toContainText(
      /confirm the relay's host key: answer yes if it shows SHA256:\S{43}\./,
    );

    // Key
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "SSH keys" }).click();
    await page.getByLabel("Public key").fill(key.publicKey);
    await page.getByLabel("Label").fill("e2e laptop");
    await page.getByRole("button", { name: "Add key" }).click();
    await expect(page.getByRole("listitem").filter({ hasText: "e2e laptop" })).toContainText(key.fingerprint);
    // The confirmation quotes the fingerprint (one long word) and still fits its box.
    const added = page.getByRole("status").filter({ hasText: key.fingerprint });
    await expect(added).toBeVisible();
    expect(await added.evaluate((box) => box.scrollWidth <= box.clientWidth)).toBe(true);

    // Name
    const name = unique();
    await reserveName(page, name);
    await expect(page.getByTestId(`status-${name}`)).toHaveText("Offline");
    // The same from a terminal, with the key just added (server/ssh/commands.ts).
    await expect(
      page.getByText(
        `Or from a terminal, with your SSH key: ssh -p ${burrow.sshPort} 127.0.0.1 reserve <name>`,
      ),
    ).toBeVisible();

    // Tunnel page before connecting: the command to run and an empty log that says how.
    await page.getByRole("link", { name, exact: true }).click();
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    // A name of its own starts from the port typed last in this browser (under Get started).
    await expect(page.getByLabel("Local port")).toHaveValue("5173");
    await expect(
      page.getByText(`ssh -R ${name}:80:localhost:5173 -p ${burrow.sshPort} 127.0.0.1`),
    ).toBeVisible();
    // The relay runs on this computer here: its own tunnel port would send requests back to it.
    await page.getByLabel("Local port").fill(String(burrow.httpPort));
    await expect(
      page.getByText(
        `Port ${burrow.httpPort} is where Burrow serves tunnels on this computer: requests would come back to it. Enter the port your app listens on.`,
      ),
    ).toBeVisible();
    await page.getByLabel("Local port").fill(String(app.port));
    await expect(
      page.getByText(`ssh -R ${name}:80:localhost:${app.port} -p ${burrow.sshPort} 127.0.0.1`),
    ).toBeVisible();
    await expect(page.getByText("is where Burrow serves tunnels")).toHaveCount(0);
    // The browser keeps the port for this name: after a reload the commands still use it.
    await page.reload();
    await expect(page.getByLabel("Local port")).toHaveValue(String(app.port));
    await expect(
      page.getByText(`ssh -R ${name}:80:localhost:${app.port} -p ${burrow.sshPort} 127.0.0.1`),
    ).toBeVisible();
    await expect(
      page.getByText(`burrow-connect -H 127.0.0.1 -p ${burrow.sshPort} ${app.port} ${name}`),
    ).toBeVisible();
    await expect(page.getByText("No requests yet")).toBeVisible();
    await expect(page.getByText("Run one of the commands under Connect")).toBeVisible();
    await expect(page.getByTestId("tunnel-status")).toHaveText("Offline");

    // The overview now has the key ticked off and the command for the reserved name.
    const overview = await page.context().newPage();
    await overview.goto("/");
    await expect(overview.getByRole("region", { name: "Get started" })).toContainText(
      "Add your SSH public keyDone",
    );
    // With the port typed for this name on its page.
    await expect(overview.getByTestId("get-started-command")).toHaveText(
      `ssh -R ${name}:80:localhost:${app.port} -p ${burrow.sshPort} 127.0.0.1`,
    );
    const onlineTile = overview.getByText("Tunnels online").locator("..");
    await expect(onlineTile).toContainText("0 of 1");

    // Connect with the real OpenSSH client; the page turns online by itself.
    tunnel = startTunnel({ key, name, sshPort: burrow.sshPort, localPort: app.port });
    await expect(page.getByTestId("tunnel-status")).toHaveText("Online", { timeout: 20_000 });
    // So does the overview's tile, from the same poll as its Online now card.
    await expect(onlineTile).toContainText("1 of 1", { timeout: 10_000 });
    // Once a tunnel has connected, the overview is about tunnels, not about getting started: from
    // that same poll, without a reload.
    await expect(overview.getByRole("region", { name: "Get started" })).toHaveCount(0);
    await expect(overview.getByRole("heading", { name: "Online now" })).toBeVisible();
    await overview.close();
    await expect(page.getByTestId("host-key-fingerprint")).toHaveText(/^SHA256:/);
    // The public URL, to send to a friend or open on a phone: copied, or shown as a QR code.
    await expect(page.getByRole("button", { name: "Copy public URL" })).toBeVisible();
    await page.getByText("QR code", { exact: true }).click();
    const qr = page.getByRole("img", { name: `QR code of http://${name}.localhost:${burrow.httpPort}` });
    await expect(qr).toBeVisible();
    // It closes as a popup does: Escape (or a click elsewhere), not only its button again.
    await page.keyboard.press("Escape");
    await expect(qr).toBeHidden();
    await page.getByText("QR code", { exact: true }).click();
    await expect(qr).toBeVisible();
    await page.getByRole("heading", { level: 1 }).click();
    await expect(qr).toBeHidden();
    // The fingerprint and the commands are long words: they wrap or scroll in their own boxes.
    await expectFitsPhone(page);

    // The log listens for new rows (server-sent events) instead of polling every second or two.
    await expect(page.getByTestId("live-tail-mode")).toHaveAttribute("data-mode", "push");

    // Visit the public URL in another tab and see the local app.
    const visitor = await page.context().newPage();
    const publicUrl = `http://${name}.localhost:${burrow.httpPort}`;
    // A cookie of the app's: the log shows that it was sent, never its value.
    await page.context().addCookies([{ name: "app-session", value: "cookie-value-e2e", url: publicUrl }]);
    await visitor.goto(`${publicUrl}/hello/e2e?from=browser`);
    await expect(visitor.getByRole("heading", { name: "hello from the e2e laptop" })).toBeVisible();
    await visitor.goto(`${publicUrl}/second`);
    await expect(visitor.getByRole("heading", { name: "hello from the e2e laptop" })).toBeVisible();
    const visitorAgent = await visitor.evaluate(() => navigator.userAgent);
    await visitor.close();

    // The requests appear in the log without a reload, announced by the relay's write: well before
    // the 30 s safety poll the log falls back to while the stream is connected.
    const log = page.getByRole("table", { name: `Requests to ${name}, newest first` });
    const first = log.getByRole("row").filter({ hasText: "/hello/e2e?from=browser" });
    await expect(first).toBeVisible({ timeout: 10_000 });
    await expect(first).toContainText("GET");
    await expect(first).toContainText("200");
    await expect(log.getByRole("row").filter({ hasText: "/second" })).toBeVisible();
    // The session's counters follow within seconds (the browser may have asked for a favicon too).
    const requestsStat = page.locator("dt", { hasText: /^Requests$/ }).locator("xpath=following-sibling::dd");
    await expect
      .poll(async () => Number(await requestsStat.textContent()), { timeout: 8_000 })
      .toBeGreaterThanOrEqual(2);
    // The traffic chart refreshes when the log hears of new requests, not on its next 15 s poll.
    const summary = page.getByTestId("traffic-summary");
    await expect
      .poll(
        async () =>
          Number(/^(\d+) requests? in the last hour/.exec((await summary.textContent()) ?? "")?.[1]),
        {
          timeout: 8_000,
        },
      )
      .toBeGreaterThanOrEqual(2);
    // A row opens to everything stored about its request: what happened, the visitor, the bytes.
    const detailsButton = first.getByRole("button", { name: "Details of GET /hello/e2e?from=browser" });
    await expect(detailsButton).toHaveAttribute("aria-expanded", "false");
    await detailsButton.click();
    await expect(detailsButton).toHaveAttribute("aria-expanded", "true");
    const details = log.getByRole("row").filter({ hasText: "What happened" });
    await expect(details).toHaveCount(1);
    await expect(details).toContainText("Your app answered 200.");
    await expect(details).toContainText("GET /hello/e2e?from=browser");
    await expect(details).toContainText(visitorAgent);
    await expect(details).toContainText("Public");
    // Both sides' headers, as sent; the visitor's cookie is hidden.
    const sent = details.getByRole("table", { name: "Request headers" });
    await expect(sent.getByRole("row").filter({ hasText: /^user-agent/i })).toContainText(visitorAgent);
    await expect(sent.getByRole("row").filter({ hasText: /^cookie/i })).toContainText(
      "hidden: may hold a credential",
    );
    await expect(details).not.toContainText("cookie-value-e2e");
    const answered = details.getByRole("table", { name: "Response headers" });
    await expect(answered.getByRole("row").filter({ hasText: /^content-type/i })).toContainText("text/html");
    // The request again as a curl command, which says what it lacks; run, it reaches the app (run
    // asynchronously: the app answers from this very process).
    const replay = details.locator("code").filter({ hasText: /^curl / });
    const command = (await replay.textContent()) ?? "";
    expect(command).toContain(`curl '${publicUrl}/hello/e2e?from=browser'`);
    expect(command).not.toContain("cookie-value-e2e");
    await expect(details).toContainText("Not in this command: Cookie: hidden in the log.");
    await detailsButton.click();
    await expect(details).toHaveCount(0);
    const replayed = await promisify(execFile)("sh", [
      "-c",
      `${command} -sS --max-time 10 --resolve ${name}.localhost:${burrow.httpPort}:127.0.0.1`,
    ]);
    expect(replayed.stdout).toContain("hello from the e2e laptop");
    // The replay is logged like any visit: a second row for the path.
    await expect(log.getByRole("button", { name: "Details of GET /hello/e2e?from=browser" })).toHaveCount(2);
    // One visitor's requests: a visit from another address (127.0.0.2), then "Only this visitor"
    // in the details of one of the browser's rows (127.0.0.1) narrows the log, until removed.
    expect(await visitFrom("127.0.0.2", burrow.httpPort, `${name}.localhost`, "/other-visitor")).toBe(200);
    await expect(log.getByRole("row").filter({ hasText: "/other-visitor" })).toHaveCount(1, {
      timeout: 10_000,
    });
    await log.getByRole("button", { name: "Details of GET /second" }).click();
    await log
      .getByRole("row")
      .filter({ hasText: "What happened" })
      .getByRole("link", { name: "Only this visitor" })
      .click();
    await expect(page).toHaveURL(/[?&]ip=127\.0\.0\.1/);
    await expect(page.getByText("Only requests from 127.0.0.1")).toBeVisible();
    await expect(log.getByRole("row").filter({ hasText: "/other-visitor" })).toHaveCount(0);
    await expect(log.getByRole("row").filter({ hasText: "/second" })).toHaveCount(1);
    await page.getByRole("button", { name: "Show every visitor" }).click();
    await expect(page).not.toHaveURL(/ip=/);
    await expect(log.getByRole("row").filter({ hasText: "/other-visitor" })).toHaveCount(1);
    // How long the log is kept (BURROW_LOG_RETENTION_DAYS, default 30).
    await expect(
      page.getByText("Every request through this name, newest first, kept for 30 days."),
    ).toBeVisible();

    // The traffic chart draws requests per minute and the error rate, for the hour and the day.
    const chart = page.getByRole("figure", { name: "Traffic over the last hour" });
    await expect(chart.locator(".recharts-line")).toHaveCount(2, { timeout: 20_000 });
    // Two scales on one chart: a legend names each line, requests first.
    await expect(chart.locator(".recharts-legend-item-text")).toHaveText([
      "Requests/min",
      "Server error rate (%)",
    ]);
    // Its time axis reads on the log's 24-hour clock, whatever the browser's locale.
    const timeTicks = chart.locator(".recharts-cartesian-axis-tick-value").filter({ hasText: ":" });
    await expect(timeTicks.first()).toHaveText(/^\d{2}:\d{2}$/);
    await page.getByRole("button", { name: "Last day" }).click();
    await expect(
      page.getByRole("figure", { name: "Traffic over the last day" }).locator(".recharts-line"),
    ).toHaveCount(2);

    // "Only this path" in a row's details narrows the log to that path, its query string aside.
    await log.getByRole("button", { name: "Details of GET /hello/e2e?from=browser" }).first().click();
    await log
      .getByRole("row")
      .filter({ hasText: "What happened" })
      .getByRole("link", { name: "Only this path" })
      .click();
    await expect(page).toHaveURL(/[?&]path=%2Fhello%2Fe2e(&|$)/);
    await expect(page.getByLabel("Path contains")).toHaveValue("/hello/e2e");
    await expect(log.getByRole("row").filter({ hasText: "/second" })).toHaveCount(0);
    await expect(log.getByRole("row").filter({ hasText: "/hello/e2e?from=browser" })).toHaveCount(2);
    // Filter by path: only the matching row stays, and the filter is in the URL.
    await page.getByLabel("Path contains").fill("/hello");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/path=%2Fhello/);
    await expect(log.getByRole("row").filter({ hasText: "/hello/e2e" })).toHaveCount(2);
    await expect(log.getByRole("row").filter({ hasText: "/second" })).toHaveCount(0);
    // The log as shown downloads as CSV (the filter applied) and as JSON lines.
    const [csv] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "CSV", exact: true }).click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(
      new RegExp(`^${name}-requests-\\d{4}-\\d\\d-\\d\\dT\\d{4}Z\\.csv$`),
    );
    const csvLines = (await readFile((await csv.path()) ?? "", "utf8")).trimEnd().split("\r\n");
    expect(csvLines[0]).toMatch(/^\uFEFFid,time,method,path,status,/);
    expect(csvLines.slice(1)).toHaveLength(2);
    expect(csvLines.slice(1).every((line) => line.includes(",GET,/hello/e2e?from=browser,"))).toBe(true);
    const [jsonLines] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "JSON lines", exact: true }).click(),
    ]);
    const exported = (await readFile((await jsonLines.path()) ?? "", "utf8"))
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { path: string; requestHeaders: [string, string | null][] | null });
    expect(exported.map((r) => r.path)).toEqual(["/hello/e2e?from=browser", "/hello/e2e?from=browser"]);
    // The browser's visit sent a cookie: its name is there, its value never.
    expect(
      exported.some((r) =>
        (r.requestHeaders ?? []).some(
          ([header, value]) => header.toLowerCase() === "cookie" && value === null,
        ),
      ),
    ).toBe(true);
    // Headers too: only the browser's visit sent a cookie (the replay could not), and a header
    // nobody sent finds nothing.
    await page.getByLabel("Headers contain").fill("cookie");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/header=cookie/);
    await expect(log.getByRole("row").filter({ hasText: "/hello/e2e" })).toHaveCount(1);
    await page.getByLabel("Headers contain").fill("x-not-sent-by-anyone");
    await page.getByRole("button", { name: "Apply filters" }).click();
    // The URL first: the form takes the filters of the page it lands on, so an edit made before
    // then would be replaced by them.
    await expect(page).toHaveURL(/header=x-not-sent-by-anyone/);
    await expect(
      page.getByRole("paragraph").filter({ hasText: "No requests match these filters" }),
    ).toBeVisible();
    await page.getByLabel("Headers contain").fill("");
    // A status filter with no match shows the empty state.
    await page.getByRole("combobox", { name: "Status" }).selectOption("5xx");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/status=5xx/);
    await expect(
      page.getByRole("paragraph").filter({ hasText: "No requests match these filters" }),
    ).toBeVisible();

    // A custom time range, in the browser's own time: one that ends before it starts is explained,
    // a window around now finds the request, a window in the past does not.
    await page.getByRole("combobox", { name: "Status" }).selectOption("");
    await page.getByRole("combobox", { name: "Time range" }).selectOption("custom");
    const local = (offsetMs: number) => isoToLocal(new Date(Date.now() + offsetMs).toISOString());
    await page.getByLabel("From (your time)").fill(local(3_600_000));
    await page.getByLabel("To (your time)").fill(local(-3_600_000));
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(
      page.getByRole("alert").filter({ hasText: "The start of the time range must be before its end" }),
    ).toBeVisible();
    await page.getByLabel("From (your time)").fill(local(-3_600_000));
    await page.getByLabel("To (your time)").fill(local(3_600_000));
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/from=.*&to=/);
    await expect(log.getByRole("row").filter({ hasText: "/hello/e2e" })).toHaveCount(2);
    // Computed once: a minute may turn between filling the field and checking it after the reload.
    const halfHourAgo = local(-1_800_000);
    await page.getByLabel("To (your time)").fill(halfHourAgo);
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(
      page.getByRole("paragraph").filter({ hasText: "No requests match these filters" }),
    ).toBeVisible();
    // A reload keeps the window, shown again in local time.
    await page.reload();
    await expect(page.getByLabel("To (your time)")).toHaveValue(halfHourAgo);

    // The names list follows too; releasing is refused while connected.
    await page.getByRole("link", { name: "Names" }).first().click();
    await expect(page.getByTestId(`status-${name}`)).toHaveText("Online");
    // The dialog says so up front and offers nothing to click but Close.
    await page.getByRole("button", { name: `Release ${name}` }).click();
    const dialog = page.getByRole("dialog", { name: `Release ${name}?` });
    await expect(dialog).toContainText(
      `${name} is connected right now: stop the tunnel first, then release it.`,
    );
    await expect(dialog.getByRole("button", { name: "Release name" })).toHaveCount(0);
    await dialog.getByRole("button", { name: "Close" }).click();

    // The key page says what the key has connected; deleting it (a lost laptop) names the tunnel it
    // closes, and closes it: ssh is told why and exits.
    const names = page.url();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "SSH keys" }).click();
    const keyItem = page.getByRole("listitem").filter({ hasText: "e2e laptop" });
    await expect(keyItem).toContainText(`Connected now: ${name}`);
    await keyItem.getByRole("button", { name: "Delete key e2e laptop" }).click();
    const deleting = page.getByRole("dialog", { name: "Delete the key “e2e laptop”?" });
    await expect(deleting).toContainText(`The tunnel ${name}, connected with this key, closes at once`);
    await deleting.getByRole("button", { name: "Delete key" }).click();
    await expect(page.getByText("Deleted “e2e laptop”.")).toBeVisible();
    await tunnel.exited;
    expect(tunnel.output()).toContain(
      `${name}: closed because the SSH key it was opened with was removed from your account.`,
    );

    // The name is offline, so release works and says so.
    await page.goto(names);
    await expect(page.getByTestId(`status-${name}`)).toHaveText("Offline", { timeout: 20_000 });
    await page.getByRole("button", { name: `Release ${name}` }).click();
    await expect(dialog).not.toContainText("is connected right now");
    await dialog.getByRole("button", { name: "Release name" }).click();
    await expect(page.getByRole("link", { name, exact: true })).toHaveCount(0);
    await expect(page.getByText("No names yet")).toBeVisible();
    await expect(page.getByText(`Released ${name}.`)).toBeVisible();
  } finally {
    await tunnel?.stop();
    await app.close();
  }
});

/** A GET to the relay from another loopback address, as a second visitor; resolves to the status. */
function visitFrom(localAddress: string, port: number, host: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port, path, localAddress, headers: { host }, setHost: false },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
  });
}
