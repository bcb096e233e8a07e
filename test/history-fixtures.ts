/**
 * Workflow histories produced by the engine tests, kept as fixtures and replayed in CI
 * (test/replay.test.ts), so a change to workflow code that breaks running runs fails the build.
 * `FLIGHTDECK_RECORD_HISTORIES=1 npx jest test/engine-*.test.ts test/plan-dag.test.ts` refreshes them. Definitions' histories
 * (`definition-<name>.json`, every example in definitions/ and a few fixtures) are recorded by
 * `FLIGHTDECK_RECORD_HISTORIES=1 npx jest --runTestsByPath test/definition-histories.test.ts`; a new example
 * needs only its input there. `npm run replay -- test/fixtures/histories` replays them all outside jest.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { findTemporalCli } from '../scripts/temporal-cli';

export const historiesDirectory = path.join(__dirname, 'fixtures', 'histories');

export async function saveHistoryFixture(name: string, workflowId: string, options: { firstRun?: boolean } = {}): Promise<void> {
  if (!process.env.FLIGHTDECK_RECORD_HISTORIES) return;
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection });
    let runId: string | undefined;
    if (options.firstRun) {
      const description = await client.workflow.getHandle(workflowId).describe();
      runId = description.raw.workflowExecutionInfo?.firstRunId ?? undefined;
    }
    // The CLI's JSON is the canonical export (what `temporal workflow show -o json` gives ops, too).
    const cli = await findTemporalCli({ repoRoot: path.resolve(__dirname, '..'), log: () => undefined, allowBuild: false, allowDownload: false });
    if (cli.kind !== 'binary') throw new Error('recording histories needs the Temporal CLI binary');
    const args = ['workflow', 'show', '--address', String(process.env.TEMPORAL_ADDRESS), '-w', workflowId, ...(runId ? ['-r', runId] : []), '-o', 'json'];
    const { stdout } = await promisify(execFile)(cli.path, args, { maxBuffer: 64 * 1024 * 1024 });
    await mkdir(historiesDirectory, { recursive: true });
    await writeFile(path.join(historiesDirectory, `${name}.json`), stdout);
  } finally {
    await connection.close();
  }
}

export async function loadHistoryFixtures(): Promise<Array<{ workflowId: string; history: temporal.api.history.v1.IHistory }>> {
  const files = (await readdir(historiesDirectory)).filter((file) => file.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({
      workflowId: path.basename(file, '.json'),
      history: historyFromJSON(JSON.parse(await readFile(path.join(historiesDirectory, file), 'utf8'))),
    })),
  );
}
