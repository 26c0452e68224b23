// Waiting for a promise, but not forever.

export const TIMED_OUT = Symbol("timed out");

/** The promise's value, or TIMED_OUT after `ms` (the promise goes on; its rejection is then ignored). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof TIMED_OUT>((r) => (timer = setTimeout(() => r(TIMED_OUT), ms)));
  p.catch(() => undefined);
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
