/** The tests' one way to wait: poll a condition under a deadline (never a proof by sleeping), or pause on purpose. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface UntilOptions<T> {
  /** What is awaited, for the timeout error: "run abc to complete". */
  message: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** When the value read is good enough; without it, any value but undefined, null and false is. */
  done?: (value: T) => boolean;
  /** The last value read, for the timeout error; JSON by default. */
  describeLast?: (value: T) => string;
}

const settled = (value: unknown) => value !== undefined && value !== null && value !== false;

/**
 * Reads `read` every `intervalMs` until it is done (see `done`); returns the last value. Past
 * `timeoutMs` it throws, naming what it waited for and what it saw last.
 */
export async function until<T>(read: () => T | Promise<T>, options: UntilOptions<T>): Promise<T> {
  const { message, timeoutMs = 30_000, intervalMs = 100, done = settled, describeLast = (value) => JSON.stringify(value) } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      const last = value === undefined ? '' : `; last: ${describeLast(value)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}${last}`);
    }
    await sleep(intervalMs);
  }
}
