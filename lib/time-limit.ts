/**
 * Whether `work` settles within `ms`: true once it has (a rejection is passed on), false when the
 * time runs out first; the work itself goes on, nothing cancels it. The timer never outlives the
 * answer, so it keeps no process alive.
 */
export async function finishesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
