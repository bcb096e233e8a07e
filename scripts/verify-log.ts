/**
 * `npm run verify-log [-- --run <id>] [--tenant <id>] [--allow-unkeyed] [--export-heads <file>]
 * [--check-heads <file>]`: recomputes every selected run's hash chain with the log keys
 * (FLIGHTDECK_LOG_KEYS) and checks the `runs` head against it; one line per broken run, then a
 * summary. With keys configured a legacy sha256 row is a break (`unkeyed`) unless
 * `--allow-unkeyed`. `--export-heads` writes the runs' heads into a document signed with the
 * first log key; `--check-heads` refuses a document whose signature does not verify and reports
 * each head whose run is gone, cut short or rewritten since (lib/log-heads.ts). Exit 1 on any
 * broken run, refused document or failed head.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { verifyLogEnvSchema } from '../lib/config';
import { checkHead, openHeads, signHeads, type HeadCheck, type LogHead } from '../lib/log-heads';
import { selectRuns, type RunSelection } from '../lib/runs-store';
import { verifyRunLog, type RunLogVerification } from '../lib/verify-chain';
import { exitWithUsage, runMaintenanceCommand } from './log-maintenance';

const usage = 'npm run verify-log -- [--run <id>]... [--tenant <id>] [--allow-unkeyed] [--export-heads <file>] [--check-heads <file>]';

runMaintenanceCommand(
  { name: 'verify-log', usage, booleanFlags: ['allow-unkeyed'], stringOptions: ['export-heads', 'check-heads'], envSchema: verifyLogEnvSchema },
  async ({ db, env, selection, flags, options }) => {
    const keys = env.FLIGHTDECK_LOG_KEYS;
    const exportTo = options['export-heads'];
    const checkFrom = options['check-heads'];
    if (keys.length === 0) {
      if (exportTo !== undefined || checkFrom !== undefined)
        exitWithUsage('--export-heads and --check-heads need FLIGHTDECK_LOG_KEYS: heads are signed with a log key', usage);
      process.stderr.write('verify-log: FLIGHTDECK_LOG_KEYS is unset: keyed rows cannot be checked (unknown_key) and legacy sha256 rows pass as they are\n');
    }

    // A heads document that does not verify is refused before anything else is read.
    const checked = checkFrom === undefined ? null : openHeads(await readFile(checkFrom, 'utf8'), keys);
    if (checked && !checked.ok) {
      console.log(`REFUSED heads file ${checkFrom}: ${checked.problem}`);
      return false;
    }

    let runs = 0;
    let events = 0;
    let broken = 0;
    let unkeyed = 0;
    const heads: LogHead[] = [];
    for await (const run of selectRuns(db, selection)) {
      const verification = await verifyRunLog(db, { tenantId: run.tenantId, runId: run.id }, { keys, allowUnkeyed: flags['allow-unkeyed'] });
      if (!verification) continue; // deleted since it was listed
      runs += 1;
      events += verification.chain.events;
      heads.push({ tenantId: run.tenantId, runId: run.id, ...verification.head.log });
      if (verification.ok) continue;
      broken += 1;
      if (!verification.chain.ok && verification.chain.firstBroken.reason === 'unkeyed') unkeyed += 1;
      console.log(`BROKEN ${run.id} tenant=${run.tenantId} ${describeBreak(verification)}`);
    }
    console.log(`verified ${runs} runs (${events} events): ${runs - broken} intact, ${broken} broken`);
    if (unkeyed > 0) {
      console.log(
        `note: ${unkeyed} runs have legacy sha256 rows (reason=unkeyed); if they were written before FLIGHTDECK_LOG_KEYS was set, --allow-unkeyed accepts them (docs/operations.md)`,
      );
    }

    let headsSound = true;
    if (checked?.ok) {
      const { document } = checked;
      const counts: Record<HeadCheck['status'], number> = { intact: 0, purged: 0, missing: 0, truncated: 0, rewritten: 0 };
      const selected = document.heads.filter((head) => isSelected(head, selection));
      for (const head of selected) {
        const check = await checkHead(db, head);
        counts[check.status] += 1;
        if (check.status !== 'intact') console.log(describeHead(head, check));
      }
      console.log(
        `checked ${selected.length} heads from ${checkFrom} (exported ${document.exportedAt}, key ${document.keyId}): ` +
          `${counts.intact} intact, ${counts.purged} purged, ${counts.missing} missing, ${counts.truncated} truncated, ${counts.rewritten} rewritten`,
      );
      // A purge recorded in admin_audit is retention doing its job; the rest are not.
      headsSound = counts.missing + counts.truncated + counts.rewritten === 0;
    }

    if (exportTo !== undefined) {
      const document = signHeads(heads, keys[0]!);
      const partial = `${exportTo}.partial`;
      await writeFile(partial, `${JSON.stringify(document, null, 2)}\n`);
      await rename(partial, exportTo);
      console.log(`exported ${heads.length} heads to ${exportTo} (signed with log key ${document.keyId})`);
    }
    return broken === 0 && headsSound;
  },
);

const isSelected = (head: LogHead, selection: RunSelection): boolean =>
  (selection.tenantId === undefined || head.tenantId === selection.tenantId) && (selection.runIds === undefined || selection.runIds.includes(head.runId));

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

function describeHead(head: LogHead, check: Exclude<HeadCheck, { status: 'intact' }>): string {
  const run = `${head.runId} tenant=${head.tenantId}`;
  switch (check.status) {
    case 'purged':
      return `PURGED ${run} head.last_seq=${head.lastSeq} purged_at=${check.purgedAt} (admin_audit retention.purged)`;
    case 'missing':
      return `MISSING ${run} head.last_seq=${head.lastSeq} (no run, and no purge recorded)`;
    case 'truncated':
      return `TRUNCATED ${run} head.last_seq=${head.lastSeq} log.last_seq=${check.logLastSeq}`;
    case 'rewritten':
      return (
        `REWRITTEN ${run} seq=${check.seq} head.hash=${String(head.lastHash)} log.hash=${String(check.hash)}` +
        (check.tenantId === head.tenantId ? '' : ` log.tenant=${check.tenantId}`)
      );
  }
}
