/**
 * `npm run replay -- <file or folder>... | --from-temporal (--workflow-id <id>... | --query "<visibility query>")`:
 * replays recorded workflow histories against the current code — workflows/ and the definitions
 * of definitions/ and FLIGHTDECK_DEFINITIONS_DIR, bundled as the worker bundles them — and names
 * the first command each history and the code disagree on. Run it on production's histories
 * before deploying a changed definition or workflow (docs/runs.md, "Changing a definition safely").
 * One line per history, then a summary; exit 0 all replay, 1 any does not, 2 bad usage or a bad file.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadEnvOrExit, replayEnvSchema } from '../lib/config';
import { DefinitionLoadError, loadDefinitionCatalog } from '../lib/definitions';
import { dataConverterOption, payloadCodecFor } from '../lib/payload-codec';
import { temporalConnectionOptions } from '../lib/temporal-connection';
import { buildWorkflowBundle, dropWorkflowSpans } from '../worker/create-worker';
import type { ReplayedCall } from '../workflows/replay-calls';
import { firstDifference, recordedCalls, runIdOfHistory, temporalReason } from './replay-check';
import { BadHistorySource, readHistoryPaths, temporalHistories, type HistorySource } from './replay-sources';

const usage = [
  'npm run replay -- <history.json | folder>...',
  'npm run replay -- --from-temporal --workflow-id <id> [--workflow-id <id>]...',
  "npm run replay -- --from-temporal --query \"WorkflowType = 'agentRun' AND ExecutionStatus = 'Running'\"",
].join('\n       ');

function usageError(message: string): never {
  process.stderr.write(`replay: ${message}\nusage: ${usage}\n`);
  process.exit(2);
}

function parseCommandLine() {
  try {
    const { values, positionals } = parseArgs({
      options: { 'from-temporal': { type: 'boolean' }, 'workflow-id': { type: 'string', multiple: true }, query: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const workflowIds = values['workflow-id'] ?? [];
    if (values['from-temporal']) {
      if (positionals.length > 0) usageError('give files and folders, or --from-temporal, not both');
      if (workflowIds.length === 0 && values.query === undefined) usageError('--from-temporal needs --workflow-id <id> or --query "<visibility query>"');
      return { fromTemporal: true as const, workflowIds, query: values.query };
    }
    if (workflowIds.length > 0 || values.query !== undefined) usageError('--workflow-id and --query need --from-temporal');
    if (positionals.length === 0) usageError('name the histories to replay');
    return { fromTemporal: false as const, paths: positionals };
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
}

async function main(): Promise<number> {
  const command = parseCommandLine();
  const env = loadEnvOrExit(replayEnvSchema, 'replay');
  const codec = payloadCodecFor(env.FLIGHTDECK_PAYLOAD_KEYS);
  // The SDK's own lines (worker state, the task failure behind a nondeterminism) would bury the report.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });

  // Read the files first: a bad one stops the command before anything is bundled.
  const fileSources = command.fromTemporal ? [] : await readHistoryPaths(command.paths);
  const { files } = await loadDefinitionCatalog(env.FLIGHTDECK_DEFINITIONS_DIR);
  console.log(
    `bundling workflows/ with ${files.length} definition${files.length === 1 ? '' : 's'}: ${files.map((file) => path.relative(process.cwd(), file)).join(', ') || 'none'}`,
  );
  const workflowBundle = await buildWorkflowBundle({ definitionFiles: files, replayCalls: true });

  const connection = command.fromTemporal ? await Connection.connect(temporalConnectionOptions(env)) : null;
  try {
    const sources: AsyncIterable<HistorySource> | HistorySource[] =
      connection && command.fromTemporal
        ? temporalHistories(new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, ...dataConverterOption(codec) }), command)
        : fileSources;
    return await replayAll(sources, { workflowBundle, codec });
  } finally {
    await connection?.close();
  }
}

async function replayAll(
  sources: AsyncIterable<HistorySource> | HistorySource[],
  options: { workflowBundle: Awaited<ReturnType<typeof buildWorkflowBundle>>; codec: ReturnType<typeof payloadCodecFor> },
): Promise<number> {
  const codeCalls = new Map<string, ReplayedCall[]>();
  const pending: Array<HistorySource & { workflowId: string }> = [];
  async function* histories() {
    for await (const source of sources) {
      const workflowId = source.workflowId ?? (await runIdOfHistory(source.history, options.codec)) ?? path.basename(source.source, '.json');
      pending.push({ ...source, workflowId });
      yield { workflowId, history: source.history };
    }
  }
  const counts = { ok: 0, nondeterministic: 0, failed: 0 };
  const replay = Worker.runReplayHistories(
    {
      workflowBundle: options.workflowBundle,
      ...dataConverterOption(options.codec),
      sinks: {
        exporter: dropWorkflowSpans,
        replayCalls: {
          called: {
            fn: (info, ...args: unknown[]) => {
              codeCalls.set(info.runId, [...(codeCalls.get(info.runId) ?? []), args[0] as ReplayedCall]);
            },
            callDuringReplay: true,
          },
        },
      },
    },
    histories(),
  );
  for await (const result of replay) {
    const source = pending.shift()!;
    const label = `${result.workflowId} (${source.source})`;
    const recorded = await recordedCalls(source.history, options.codec);
    const difference = firstDifference(recorded, codeCalls.get(result.runId) ?? []);
    codeCalls.delete(result.runId);
    const isNondeterminism = result.error?.name === 'DeterminismViolationError';
    if (!result.error && !difference) {
      counts.ok += 1;
      console.log(`OK ${label}: ${source.history.events?.length ?? 0} events`);
    } else if (isNondeterminism || difference) {
      counts.nondeterministic += 1;
      const reason = result.error ? temporalReason(result.error.message, recorded) : null;
      console.log(`NONDETERMINISTIC ${label}: ${difference ?? reason}`);
      if (difference && reason) console.log(`  Temporal: ${reason}`);
    } else {
      counts.failed += 1;
      console.log(`FAILED ${label}: ${temporalReason(result.error!.message, recorded)}`);
    }
  }
  const total = counts.ok + counts.nondeterministic + counts.failed;
  console.log(`replayed ${total} histor${total === 1 ? 'y' : 'ies'}: ${counts.ok} ok, ${counts.nondeterministic} nondeterministic, ${counts.failed} failed`);
  return counts.ok === total ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof BadHistorySource || error instanceof DefinitionLoadError) {
      process.stderr.write(`replay: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`replay failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
