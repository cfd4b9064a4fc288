/**
 * What global-setup publishes to the specs (through environment variables, which Playwright's
 * workers inherit from the runner process).
 */
export interface BurrowUnderTest {
  dashboardUrl: string;
  httpPort: number;
  sshPort: number;
  databaseUrl: string;
  adminEmail: string;
  adminPassword: string;
  scratchDir: string;
}

const VARIABLE = "BURROW_E2E";

export function publishBurrow(burrow: BurrowUnderTest): void {
  process.env[VARIABLE] = JSON.stringify(burrow);
}

export function burrowUnderTest(): BurrowUnderTest {
  const raw = process.env[VARIABLE];
  if (!raw) throw new Error("The e2e global setup did not run: use `npm test -- --only e2e`");
  return JSON.parse(raw) as BurrowUnderTest;
}
