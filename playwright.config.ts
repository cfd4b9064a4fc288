import { defineConfig, devices } from "@playwright/test";

/**
 * Browser specs against a real Burrow: e2e/global-setup.ts creates a fresh database on the test
 * PostgreSQL server and runs `burrow start` (relay + dashboard) on free loopback ports. Run through
 * `npm test -- --only e2e`, which provides the server and Chromium.
 */
export default defineConfig({
  testDir: "./e2e",
  testMatch: "*.spec.ts",
  globalSetup: "./e2e/global-setup.ts",
  // A backstop against a hang, not a budget: CI's fresh 2-core machine took 14.6-16.7 minutes for
  // the 98 tests (the first `burrow start` building the dashboard, ~40 s, included). Alone, on a
  // machine other test runs kept busy, the slowest files took 50-75 s of tests each (log-search,
  // sharing, admin, request-bodies, accessibility, auth), one log-search test 34-37 s.
  globalTimeout: 25 * 60_000,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 2,
  fullyParallel: false,
  retries: 0,
  reporter: "list",
  outputDir: "test-results",
  use: {
    ...devices["Desktop Chrome"],
    launchOptions: { executablePath: process.env.BURROW_CHROMIUM ?? "/usr/bin/chromium" },
    // A failed test keeps its trace (actions, DOM snapshots, network), without the screencast:
    // filming every test nearly doubled Chromium's CPU (auth + validation specs: 175 → 116 s),
    // on a 2-core machine that also runs the dashboard, relay and database. The failure's own
    // screenshot is still taken.
    trace: { mode: "retain-on-failure", screenshots: false },
    screenshot: "only-on-failure",
  },
});
