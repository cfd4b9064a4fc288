/**
 * Undo steps registered as things start, run in reverse order on exit. Each step runs once, and a
 * failing step does not stop the others: the embedded database must be stopped even if closing the
 * relay threw.
 */
export class Teardown {
  readonly #steps: { label: string; run: () => Promise<void> }[] = [];
  #running: Promise<void> | undefined;

  constructor(private readonly report: (line: string) => void) {}

  add(label: string, run: () => Promise<void>): void {
    this.#steps.push({ label, run });
  }

  run(): Promise<void> {
    this.#running ??= (async () => {
      for (const step of this.#steps.reverse()) {
        try {
          await step.run();
        } catch (error) {
          this.report(`${step.label} failed: ${(error as Error).message ?? String(error)}`);
        }
      }
    })();
    return this.#running;
  }
}
