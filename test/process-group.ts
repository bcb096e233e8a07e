/**
 * Resolves once no process of group `pgid` is left (a child spawned with `detached: true` leads
 * its own group); after `timeoutMs` it kills what is left and fails with `describe()` in the error.
 */
import { sleep } from './wait';
export async function waitForGroupGone(pgid: number, options: { after: string; describe: () => string; timeoutMs?: number }): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return; // ESRCH: no process left in the group
    }
    if (Date.now() > deadline) {
      process.kill(-pgid, 'SIGKILL');
      throw new Error(`processes were left running after ${options.after}:\n${options.describe()}`);
    }
    await sleep(200);
  }
}
