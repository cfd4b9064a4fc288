import { spawn } from "node:child_process";
import { join } from "node:path";
import type { TestContext } from "node:test";

/**
 * Another process that claims `file` as `command` (claimPidFile) and holds it until the test ends:
 * what a `burrow logs -f` left running does to a command that needs the same turn. Resolves with
 * its pid once it holds the claim.
 */
export async function holdClaim(t: TestContext, file: string, command: string): Promise<number | undefined> {
  const script = `
    const { claimPidFile } = await import(${JSON.stringify(join(import.meta.dirname, "..", "data-dir-lock.ts"))});
    await claimPidFile(${JSON.stringify(file)}, ${JSON.stringify(command)});
    process.stdout.write("claimed\\n");
    setInterval(() => {}, 1000);
  `;
  const holder = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.after(() => holder.kill("SIGKILL"));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.setEncoding("utf8").on("data", (text: string) => text.includes("claimed") && resolve());
    holder.once("close", () => reject(new Error("the holder exited before claiming")));
  });
  return holder.pid;
}
