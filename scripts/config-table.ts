/**
 * The configuration table of docs/operations.md, built from the zod env schemas every process
 * parses at start: variable, default, which processes read it, and the fields' `.describe()` text.
 */
import type { z } from 'zod';
import { cliConfigSchema } from '../cli/config';
import { apiEnvSchema } from '../api/env';
import { databaseEnvSchema, devEnvSchema, replayEnvSchema, retentionEnvSchema, verifyLogEnvSchema } from '../lib/config';
import { workerEnvSchema } from '../worker/env';
import { ServerEnv } from '../web/lib/env-schema';
import { markdownTable } from './generated-section';

export interface EnvSource {
  /** The name the table's "read by" column uses. */
  reader: string;
  /** What that is, for the legend under the table. */
  meaning: string;
  schema: z.ZodObject;
}

/** Every env schema a Flightdeck process parses (the combined process reads api's and worker's). */
export const envSources: EnvSource[] = [
  { reader: 'api', meaning: '`npm run api` (api/main.ts)', schema: apiEnvSchema },
  { reader: 'worker', meaning: '`npm run worker` (worker/main.ts)', schema: workerEnvSchema },
  { reader: 'web', meaning: 'the dashboard server (web/lib/env-schema.ts)', schema: ServerEnv },
  { reader: 'cli', meaning: '`npx flightdeck` (cli/config.ts)', schema: cliConfigSchema },
  { reader: 'start', meaning: '`npm start`, which passes the settings on to the processes it runs (scripts/start.ts)', schema: devEnvSchema },
  { reader: 'retention', meaning: '`npm run retention`', schema: retentionEnvSchema },
  { reader: 'replay', meaning: '`npm run replay` (scripts/replay.ts)', schema: replayEnvSchema },
  { reader: 'scripts', meaning: '`npm run migrate`, `backup`, `restore`, `rebuild-projections`', schema: databaseEnvSchema },
  { reader: 'verify-log', meaning: '`npm run verify-log`', schema: verifyLogEnvSchema },
];

/** The parts of zod's definition objects the table reads. */
interface SchemaNode {
  description?: string;
  safeParse(value: unknown): { success: boolean };
  _zod: { def: { type: string; defaultValue?: unknown; innerType?: SchemaNode; in?: SchemaNode; out?: SchemaNode } };
}

/** Wrapper first, then what it wraps: `.describe()` and `.default()` may sit at any layer. */
function* layers(node: SchemaNode): Generator<SchemaNode> {
  yield node;
  const { def } = node._zod;
  for (const inner of [def.innerType, def.in, def.out]) if (inner) yield* layers(inner);
}

/** A schema field's `.describe()` text, and its default as the table shows it (or required, or unset). */
export function describeField(field: unknown): { description?: string; fallback: string } {
  const node = field as SchemaNode;
  const all = [...layers(node)];
  const description = all.find((layer) => layer.description)?.description;
  const withDefault = all.find((layer) => layer._zod.def.type === 'default');
  const value = withDefault?._zod.def.defaultValue;
  if (withDefault && value !== '') return { description, fallback: `\`${String(value)}\`` };
  return { description, fallback: node.safeParse(undefined).success ? '—' : '**required**' };
}

interface VariableRow {
  name: string;
  readers: string[];
  fallbacks: Map<string, string[]>;
  descriptions: string[];
}

function collectVariables(): VariableRow[] {
  const rows = new Map<string, VariableRow>();
  for (const source of envSources) {
    for (const [name, field] of Object.entries(source.schema.shape)) {
      const row: VariableRow = rows.get(name) ?? { name, readers: [], fallbacks: new Map(), descriptions: [] };
      rows.set(name, row);
      const { description, fallback } = describeField(field);
      row.readers.push(source.reader);
      row.fallbacks.set(fallback, [...(row.fallbacks.get(fallback) ?? []), source.reader]);
      if (description && !row.descriptions.includes(description)) row.descriptions.push(description);
    }
  }
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Every variable the table lists. */
export const configVariables = (): string[] => collectVariables().map((row) => row.name);

/** The section's Markdown; throws when a field has no description in any schema. */
export function configTable(): string {
  const rows = collectVariables();
  const undescribed = rows.filter((row) => row.descriptions.length === 0).map((row) => row.name);
  if (undescribed.length > 0) throw new Error(`env schema fields without .describe(): ${undescribed.join(', ')}`);
  const fallbackText = (row: VariableRow) =>
    row.fallbacks.size === 1 ? [...row.fallbacks.keys()][0]! : [...row.fallbacks].map(([text, readers]) => `${text} (${readers.join(', ')})`).join('; ');
  const table = markdownTable(
    ['Variable', 'Default', 'Read by', 'Description'],
    rows.map((row) => [`\`${row.name}\``, fallbackText(row), row.readers.join(', '), row.descriptions.join(' ')]),
  );
  const legend = envSources.map((source) => `**${source.reader}**: ${source.meaning}`).join('; ');
  return `${table}\n\nRead by — ${legend}. \`npm run combined\` (and \`npm start\`'s default mode) runs the API and a worker in one process, which reads both their variables. — means unset.`;
}
