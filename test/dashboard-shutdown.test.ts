/**
 * The built dashboard stops cleanly on SIGTERM, as a container runtime or Render stops it: `next
 * start` closes its server (pending requests finish) and exits 143 — Next's own code for SIGTERM
 * (128 + 15, `server/lib/start-server.js`) — and `npm run web:start`, whose script `exec`s next,
 * passes that on; nothing of either is left running.
 */
import { buildDashboard, startDashboard } from './dashboard-web';
import { waitForGroupGone } from './process-group';

/** Nothing listens on port 9 (discard): the sign-in page needs no API. */
const apiUrl = 'http://127.0.0.1:9';

describe('the built dashboard on SIGTERM', () => {
  beforeAll(async () => {
    await buildDashboard();
  }, 16 * 60_000);

  it.each(['next', 'npm'] as const)(
    'started through %s, it exits 143 with its server closed and no process left',
    async (via) => {
      const dashboard = await startDashboard({ apiUrl }, { via });
      const pgid = dashboard.process.pid as number;
      const exited = new Promise<number | string>((resolve) => dashboard.process.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
      // SIGTERM to the one process a supervisor knows (npm, or next itself), not to the group.
      dashboard.process.kill('SIGTERM');
      // A hang ends as SIGKILL (and fails below with the output), not as a test timeout.
      const stuck = setTimeout(() => process.kill(-pgid, 'SIGKILL'), 30_000);
      const outcome = await exited;
      clearTimeout(stuck);
      // Whatever the outcome, nothing of the group may be left (what is left is killed, and named).
      const leftover = await waitForGroupGone(pgid, { after: 'SIGTERM', describe: dashboard.output }).then(
        () => null,
        (error: Error) => error.message,
      );
      expect({ outcome, leftover, output: outcome === 143 ? '' : dashboard.output() }).toEqual({ outcome: 143, leftover: null, output: '' });
      await expect(fetch(`${dashboard.url}/sign-in`)).rejects.toThrow();
    },
    120_000,
  );
});
