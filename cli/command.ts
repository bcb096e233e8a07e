import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { FlightdeckClient, type RunSpecInput } from '../lib/api-client';
import { loadCliConfig } from './config';

/** Where a command reads and writes: the real process in the bin, anything in a test. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
}

export interface Command {
  name: string;
  /** One line per form, without the `flightdeck` prefix: `runs cancel <run-id> [--reason <text>]`. */
  usage: string[];
  summary: string;
  /** Resolves to the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

export interface CommandGroup {
  name: string;
  summary: string;
  commands: Command[];
}

/** The command line is wrong: exit 2 with the command's usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--help` on a command: print its usage, exit 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
}

/** Options every command takes. */
const globalOptions = {
  'api-url': { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/** `util.parseArgs` with the global options added and its errors turned into usage errors. */
export function parseCommandArgs<const Options extends OptionSpec>(args: string[], options: Options, positionals: { max: number }) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...globalOptions, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  // Inside this generic function the values' type is still open; `help` is always among them.
  if ((parsed.values as { help?: boolean }).help) throw new HelpRequested();
  if (parsed.positionals.length > positionals.max) {
    throw new UsageError(
      `unexpected argument${parsed.positionals.length - positionals.max > 1 ? 's' : ''}: ${parsed.positionals.slice(positionals.max).join(' ')}`,
    );
  }
  return parsed;
}

/** The API client the global options and the environment describe. */
export function clientFrom(values: { 'api-url'?: string; 'api-key'?: string }, io: CliIo): FlightdeckClient {
  const config = loadCliConfig(io.env, { apiUrl: values['api-url'], apiKey: values['api-key'] });
  return new FlightdeckClient({ baseUrl: config.FLIGHTDECK_API_URL, apiKey: config.FLIGHTDECK_API_KEY });
}

export function requirePositional(positionals: string[], index: number, name: string): string {
  const value = positionals[index];
  if (value === undefined) throw new UsageError(`missing <${name}>`);
  return value;
}

/** A whole number ≥ `min`, or a usage error naming the option. */
export function integerOption(value: string | undefined, option: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`--${option} must be a whole number ≥ ${min}, got "${value}"`);
  return Number(value);
}

/** Repeated and comma-separated values alike: `--tag a --tag b,c` → a, b, c. */
export function listOption(values: string[] | undefined): string[] | undefined {
  const items = values
    ?.flatMap((value) => value.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
  return items && items.length > 0 ? items : undefined;
}

/** With `--json`, `value` as JSON (what the API answered); otherwise the human-readable text. */
export function print(io: CliIo, options: { json?: boolean }, value: unknown, text: () => string): void {
  io.stdout(options.json ? `${JSON.stringify(value, null, 2)}\n` : text());
}

/** The spec as given; the API validates it and answers with every problem. */
export async function readSpec(source: string, io: CliIo): Promise<RunSpecInput> {
  const text =
    source === '-'
      ? await io.readStdin()
      : await readFile(source, 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw new Error(`cannot read spec file ${source}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
        });
  try {
    return JSON.parse(text) as RunSpecInput;
  } catch (error) {
    throw new Error(`the spec ${source === '-' ? 'on stdin' : `in ${source}`} is not valid JSON: ${(error as Error).message}`);
  }
}
