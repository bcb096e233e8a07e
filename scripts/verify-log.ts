/**
 * `npm run verify-log [-- --run <id>] [--tenant <id>]`: recomputes every selected run's hash chain
 * and checks the `runs` head against it. One line per broken run, then a summary; exit 1 if any is broken.
 */
import { selectRuns } from '../lib/runs-store';
import { verifyRunLog, type RunLogVerification } from '../lib/verify-chain';
import { runMaintenanceCommand } from './log-maintenance';

runMaintenanceCommand({ name: 'verify-log', usage: 'npm run verify-log -- [--run <id>]... [--tenant <id>]' }, async ({ db, selection }) => {
  let runs = 0;
  let events = 0;
  let broken = 0;
  for await (const run of selectRuns(db, selection)) {
    const verification = await verifyRunLog(db, { tenantId: run.tenantId, runId: run.id });
    if (!verification) continue; // deleted since it was listed
    runs += 1;
    events += verification.chain.events;
    if (verification.ok) continue;
    broken += 1;
    console.log(`BROKEN ${run.id} tenant=${run.tenantId} ${describeBreak(verification)}`);
  }
  console.log(`verified ${runs} runs (${events} events): ${runs - broken} intact, ${broken} broken`);
  return broken === 0;
});

function describeBreak({ chain, head }: RunLogVerification): string {
  if (!chain.ok) {
    const { seq, reason, expected, actual } = chain.firstBroken;
    return `seq=${seq} reason=${reason} expected=${String(expected)} actual=${String(actual)}`;
  }
  return (
    `reason=head_mismatch runs.last_seq=${head.projection.lastSeq} runs.last_hash=${String(head.projection.lastHash)} ` +
    `log.last_seq=${head.log.lastSeq} log.last_hash=${String(head.log.lastHash)}`
  );
}
