/**
 * `npm run rebuild-projections [-- --run <id>] [--tenant <id>] [--check]`: folds each selected run's
 * events into its `runs` row again, run by run, each under the row's lock. `--check` only compares
 * and exits 1 when any row differs from its events.
 */
import { rebuildRunProjection } from '../lib/rebuild-projection';
import { selectRuns } from '../lib/runs-store';
import { runMaintenanceCommand } from './log-maintenance';

runMaintenanceCommand(
  { name: 'rebuild-projections', usage: 'npm run rebuild-projections -- [--run <id>]... [--tenant <id>] [--check]', booleanFlags: ['check'] },
  async ({ db, selection, flags }) => {
    const mode = flags.check ? 'check' : 'write';
    let runs = 0;
    let differing = 0;
    for await (const run of selectRuns(db, selection)) {
      const rebuild = await rebuildRunProjection(db, run.id, { mode });
      runs += 1;
      if (rebuild.differences.length === 0) continue;
      differing += 1;
      console.log(`${rebuild.written ? 'REBUILT' : 'DIFFERS'} ${run.id} tenant=${run.tenantId} fields=${rebuild.differences.join(',')}`);
    }
    if (mode === 'check') {
      console.log(`checked ${runs} runs: ${runs - differing} match their events, ${differing} differ`);
      return differing === 0;
    }
    console.log(`rebuilt ${differing} of ${runs} runs (${runs - differing} already matched their events)`);
    return true;
  },
);
