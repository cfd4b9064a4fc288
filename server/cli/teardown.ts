import { finishesWithin } from "../../lib/time-limit.ts";

/**
 * Undo steps registered as things start, run in reverse order on exit. Each step runs once, and a
 * failing step does not stop the others: the embedded database must be stopped even if closing the
 * relay threw. A step given a time limit that does not finish within it is reported and left
 * behind: a SIGTERM must end in an exit, whatever hangs.
 */
export class Teardown {
  readonly #steps: { label: string; run: () => Promise<void>; limitMs: number | undefined }[] = [];
  #running: Promise<void> | undefined;

  constructor(private readonly report: (line: string) => void) {}

  add(label: string, run: () => Promise<void>, limitMs?: number): void {
    this.#steps.push({ label, run, limitMs });
  }

  run(): Promise<void> {
    this.#running ??= (async () => {
      for (const step of this.#steps.reverse()) {
        try {
          const work = step.run();
          if (step.limitMs !== undefined && !(await finishesWithin(work, step.limitMs))) {
            this.report(`${step.label} did not finish within ${step.limitMs / 1000} s: going on without it`);
          } else {
            await work;
          }
        } catch (error) {
          this.report(`${step.label} failed: ${(error as Error).message ?? String(error)}`);
        }
      }
    })();
    return this.#running;
  }
}
