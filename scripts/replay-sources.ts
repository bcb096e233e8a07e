/**
 * Where `npm run replay` gets histories: exported JSON files and folders of them (`temporal
 * workflow show --output json`, the Web UI's download, test/fixtures/histories), or Temporal itself.
 */
import type { Client } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { shownPath } from '../lib/definition-source';

export type History = temporal.api.history.v1.IHistory;

/** One history to replay, and where it came from. */
export interface HistorySource {
  /** What the report lines name: the file, or `temporal:<workflow id>`. */
  source: string;
  /** The workflow id, when the source knows it (a file may not). */
  workflowId?: string;
  history: History;
}

/** A file or argument that is not what the command needs: the message says what was expected. */
export class BadHistorySource extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadHistorySource';
  }
}

const exportHint = 'export one with `temporal workflow show --workflow-id <id> --output json > <file>.json`';

/** The history in `file`, or a BadHistorySource naming the file and what is wrong with it. */
export async function readHistoryFile(file: string): Promise<HistorySource> {
  const shown = shownPath(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const why = error instanceof SyntaxError ? `is not JSON (${error.message})` : `cannot be read (${(error as Error).message})`;
    throw new BadHistorySource(`${shown} ${why}: a workflow history is the JSON ${exportHint}`);
  }
  // The CLI and the Web UI write { events: [...] }; a fetched history wrapped as { history: { events } } is taken too.
  const body = (parsed as { history?: unknown })?.history ?? parsed;
  const events = (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(events) || events.length === 0) {
    throw new BadHistorySource(`${shown} is JSON but not a workflow history: expected an object with a non-empty "events" array (${exportHint})`);
  }
  let history: History;
  try {
    history = historyFromJSON(body);
  } catch (error) {
    throw new BadHistorySource(`${shown} is not a readable workflow history: ${(error as Error).message}`);
  }
  const first = history.events?.[0];
  if (!first?.workflowExecutionStartedEventAttributes) {
    throw new BadHistorySource(
      `${shown} does not start with the workflow's start (event 1 is ${JSON.stringify(events[0]?.eventType ?? 'unknown')}): replay needs the whole history from event 1`,
    );
  }
  return { source: shown, history };
}

/** The histories of `paths`: each file, and every `.json` file directly inside each folder, in name order. */
export async function readHistoryPaths(paths: string[]): Promise<HistorySource[]> {
  const files: string[] = [];
  for (const given of paths) {
    const resolved = path.resolve(given);
    const info = await stat(resolved).catch(() => null);
    if (!info) throw new BadHistorySource(`${given} does not exist`);
    if (info.isDirectory()) {
      const inside = (await readdir(resolved)).filter((name) => name.endsWith('.json')).sort();
      if (inside.length === 0) throw new BadHistorySource(`${given} holds no .json histories`);
      files.push(...inside.map((name) => path.join(resolved, name)));
    } else {
      files.push(resolved);
    }
  }
  return Promise.all(files.map(readHistoryFile));
}

/** The latest run of each workflow id, or every workflow a visibility query matches (lazily). */
export async function* temporalHistories(client: Client, selection: { workflowIds: string[]; query?: string }): AsyncGenerator<HistorySource> {
  for (const workflowId of selection.workflowIds) {
    yield { source: `temporal:${workflowId}`, workflowId, history: await client.workflow.getHandle(workflowId).fetchHistory() };
  }
  if (selection.query !== undefined) {
    for await (const { workflowId, history } of client.workflow.list({ query: selection.query }).intoHistories()) {
      yield { source: `temporal:${workflowId}`, workflowId, history: history as History };
    }
  }
}
