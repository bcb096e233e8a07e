/**
 * `npm run bench:append [-- --seconds 5]`: events/s through `appendEvents` (lock the run row,
 * dedupe, seq, hash chain, projection, NOTIFY, one transaction per call) against plain one-row
 * INSERTs into a table of the same shape, with 1 and 8 writers, on own runs and on one shared run.
 * Uses a fresh database on DATABASE_URL's server, else an embedded Postgres in a temp folder.
 */
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { appendEvents } from '../lib/event-log';
import type { NewEvent } from '../lib/events';
import { specHash } from '../lib/ids';
import { runTableBench } from './bench-database';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
const seconds = Number(args.seconds);
const tenantId = 'bench';
const spec = { tags: [], plan: { steps: [{ id: 's', tool: 'builtin.echo', args: {} }] } };

/** A tool.call.succeeded-sized fact (~250 bytes of data), unique by `key`. */
const fact = (runId: string, key: string): NewEvent => ({
  type: 'tool.call.succeeded',
  dedupeKey: `${runId}/${key}`,
  data: {
    stepId: 's',
    tool: 'builtin.echo',
    attempt: 1,
    activityId: key,
    idempotencyKey: `${runId}:s`,
    durationMs: 3,
    output: { message: 'hello from the bench', items: [1, 2, 3] },
  },
});

let runCounter = 0;
const newRunId = (label: string) => `run_bench_${label}_${process.pid}_${(runCounter += 1)}`;

/** A run with its run.created fact, as every run's log starts. */
async function createRun(db: Knex, label: string): Promise<string> {
  const runId = newRunId(label);
  await appendEvents(db, { tenantId, runId }, [
    {
      type: 'run.created',
      dedupeKey: `${runId}/run.created`,
      data: { spec, specHash: specHash(spec), mode: 'plan', name: null, tags: [], idempotencyKey: null },
    },
  ]);
  return runId;
}

interface Scenario {
  name: string;
  writers: number;
  /** Prepares writer `index` and returns its one-call step; resolves to the events it stored. */
  setup(db: Knex, index: number): Promise<() => Promise<number>>;
}

/** Runs every writer's step in a loop for `seconds`; events/s overall and per-call latency. */
async function measure(db: Knex, scenario: Scenario) {
  const steps = await Promise.all(Array.from({ length: scenario.writers }, (_, index) => scenario.setup(db, index)));
  const latenciesMs: number[] = [];
  let events = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    steps.map(async (step) => {
      while (performance.now() < until) {
        const callStarted = performance.now();
        const stored = await step(); // not `events += await step()`: that reads `events` before the await
        events += stored;
        latenciesMs.push(performance.now() - callStarted);
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  latenciesMs.sort((a, b) => a - b);
  const percentile = (p: number) => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(latenciesMs.length * p))]?.toFixed(2);
  return { scenario: scenario.name, writers: scenario.writers, eventsPerS: Math.round(events / elapsedS), p50Ms: percentile(0.5), p99Ms: percentile(0.99) };
}

/** appendEvents with `batch` facts per call, each writer on its own run, or all on one shared run. */
function appendScenario(name: string, writers: number, options: { sharedRun: boolean; batch: number }): Scenario {
  let sharedRun: Promise<string> | null = null;
  return {
    name,
    writers,
    async setup(db, index) {
      const runId = await (options.sharedRun ? (sharedRun ??= createRun(db, 'shared')) : createRun(db, 'own'));
      let next = 0;
      return async () => {
        const facts = Array.from({ length: options.batch }, () => fact(runId, `w${index}-${(next += 1)}`));
        return (await appendEvents(db, { tenantId, runId }, facts)).length;
      };
    },
  };
}

/** One autocommitted INSERT per event into a table shaped like run_events: no lock, hash, projection or trigger. */
function plainInsertScenario(name: string, writers: number, options: { sharedRun: boolean }): Scenario {
  const sharedRunId = newRunId('plain_shared');
  let sharedSeq = 0;
  return {
    name,
    writers,
    async setup(db, index) {
      const runId = options.sharedRun ? sharedRunId : newRunId('plain_own');
      let ownSeq = 0;
      return async () => {
        const seq = options.sharedRun ? (sharedSeq += 1) : (ownSeq += 1);
        const { data, dedupeKey, type } = fact(runId, `w${index}-${seq}`);
        await db('bench_plain_events').insert({
          tenant_id: tenantId,
          run_id: runId,
          seq,
          type,
          at: new Date(),
          actor: null,
          data: JSON.stringify(data),
          dedupe_key: dedupeKey,
          prev_hash: null,
          hash: 'x'.repeat(64),
        });
        return 1;
      };
    },
  };
}

runTableBench(seconds, async (db) => {
  await db.raw('CREATE TABLE bench_plain_events (LIKE run_events INCLUDING DEFAULTS INCLUDING INDEXES)');
  const scenarios = [
    appendScenario('appendEvents, own runs', 1, { sharedRun: false, batch: 1 }),
    appendScenario('appendEvents, own runs', 8, { sharedRun: false, batch: 1 }),
    appendScenario('appendEvents, one shared run', 8, { sharedRun: true, batch: 1 }),
    appendScenario('appendEvents, own runs, 10 facts/call', 1, { sharedRun: false, batch: 10 }),
    plainInsertScenario('plain INSERT, own runs', 1, { sharedRun: false }),
    plainInsertScenario('plain INSERT, own runs', 8, { sharedRun: false }),
    plainInsertScenario('plain INSERT, one shared run', 8, { sharedRun: true }),
  ];
  const measured = [];
  for (const scenario of scenarios) measured.push(await measure(db, scenario));
  return measured;
});
