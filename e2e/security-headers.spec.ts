import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, signUpQuietly, test } from "./support/fixtures.ts";

test("the dashboard is never shown in a frame: a page on a tunnel's site cannot lay it under its own to be clicked unseen", async ({
  page,
  burrow,
}) => {
  await signUpQuietly(page);
  const answer = await page.request.get("/keys");
  expect(answer.headers()).toMatchObject({
    "content-security-policy": "frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
  });
  // Over plain http (this dashboard's address), browsers would ignore it, and it is not sent.
  expect(answer.headers()["strict-transport-security"]).toBeUndefined();

  // A page on another port of the dashboard's host is same-site with it, as a tunnel's page is with
  // a dashboard on the tunnels' domain: a frame it opens carries the signed-in session. Served for
  // real (loopback, as the dashboard): Chromium refuses a public page's frame on a loopback one
  // anyway, which would hide whether the dashboard refuses it.
  const framing = http.createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end(`<!doctype html><title>Win a prize</title>
      <iframe src="${burrow.dashboardUrl}/keys" onload="document.title = 'Loaded'"></iframe>`);
  });
  await new Promise<void>((resolve) => framing.listen(0, "127.0.0.1", resolve));
  try {
    await page.goto(`http://127.0.0.1:${(framing.address() as AddressInfo).port}/`);
    // The frame is done: with the dashboard in it, or Chromium's error page in its place.
    await expect(page).toHaveTitle("Loaded");
    const frame = page.frameLocator("iframe");
    await expect(frame.getByRole("heading", { name: "SSH keys" })).toHaveCount(0);
    await expect(frame.getByRole("button")).toHaveCount(0);
  } finally {
    framing.close();
  }
  // The dashboard itself still opens, signed in.
  await page.goto("/keys");
  await expect(page.getByRole("heading", { name: "SSH keys" })).toBeVisible();
});
