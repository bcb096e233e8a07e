/**
 * Where run definitions come from: `definitions/` at the repo root (the shipped examples) and every
 * folder in FLIGHTDECK_DEFINITIONS_DIR. The API loads them in Node (their names, descriptions and
 * input schemas); the worker bundles the same files with the workflows (worker/definitions-bundle.ts).
 */
import { readdir } from 'node:fs/promises';
import nodeModule from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { definitionExport, definitionProblem, type RunDefinition } from '../sdk/define-run';
import { definitionSourceProblem, shownPath } from './definition-source';

export const repoRoot = path.resolve(__dirname, '..');
export const shippedDefinitionsDir = path.join(repoRoot, 'definitions');

export const definitionsDirEnv = z
  .string()
  .optional()
  .describe(
    'Colon-separated folders of run definitions (`defineRun` files), absolute or relative to the repo, loaded besides `definitions/`. The API, the worker and `npm run replay` need the same list.',
  );

/** The folders to load, the shipped one first; relative entries are relative to the repo root. */
export function definitionDirectories(setting: string | undefined): string[] {
  const listed = (setting ?? '')
    .split(':')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => path.resolve(repoRoot, entry));
  return [...new Set([shippedDefinitionsDir, ...listed])];
}

/** A definition file's problem: the file (and line, when known), and what is wrong with it. */
export class DefinitionLoadError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    readonly line?: number,
  ) {
    super(`run definition ${shownPath(file)}${line === undefined ? '' : `:${line}`}: ${problem}`);
    this.name = 'DefinitionLoadError';
  }
}

/** What a process prints when its boot fails: a definition's problem as its one line (file:line: …), anything else whole. */
export const bootFailureOf = (error: unknown): unknown => (error instanceof DefinitionLoadError ? error.message : error);

const definitionFilePattern = /^[^._][^/]*\.(ts|mts|js|mjs)$/;
const notDefinition = /\.(test|spec|d)\.[cm]?[jt]s$/;

/** The definition files of `dirs`, sorted, each folder's own files only (no subfolders). A listed folder that is missing is an error. */
export async function findDefinitionFiles(dirs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const dir of dirs) {
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' && dir === shippedDefinitionsDir) return [];
      throw new DefinitionLoadError(dir, error.code === 'ENOENT' ? 'FLIGHTDECK_DEFINITIONS_DIR names this folder, which does not exist' : error.message);
    });
    for (const entry of entries) {
      if (entry.isFile() && definitionFilePattern.test(entry.name) && !notDefinition.test(entry.name)) files.push(path.join(dir, entry.name));
    }
  }
  return files.sort();
}

const sdkIndexUrl = pathToFileURL(path.join(repoRoot, 'sdk', 'index.ts')).href;
let sdkResolvesAnywhere = false;

/**
 * Lets `import … from 'flightdeck'` resolve to sdk/ from a definition folder outside the checkout,
 * where Node's package self-reference does not reach (the worker's bundler aliases it likewise).
 * Node ≥ 22.15 has in-thread resolve hooks; older Nodes keep the self-reference only.
 */
function resolveSdkAnywhere(): void {
  if (sdkResolvesAnywhere || typeof nodeModule.registerHooks !== 'function') return;
  sdkResolvesAnywhere = true;
  try {
    nodeModule.registerHooks({ resolve: (specifier, context, next) => next(specifier === 'flightdeck' ? sdkIndexUrl : specifier, context) });
  } catch {
    // A host with its own module loader refuses hooks (Jest: jest.config.js maps `flightdeck` itself).
  }
}

export interface LoadedDefinition {
  file: string;
  definition: RunDefinition;
}

/**
 * Checks every definition file's source (it parses; no Node built-in or I/O package among its
 * imports: lib/definition-source.ts), then imports it and checks what it exports: a default
 * export from `defineRun`, one name per definition across all folders. The first problem is
 * thrown, naming the file (and the line, for a source problem).
 */
export async function loadDefinitions(files: string[]): Promise<Map<string, LoadedDefinition>> {
  const loaded = new Map<string, LoadedDefinition>();
  if (files.some((file) => !file.startsWith(`${repoRoot}${path.sep}`))) resolveSdkAnywhere();
  for (const file of files) {
    // Before the import: Node would run a file the workflow sandbox cannot.
    const sourceProblem = await definitionSourceProblem(file);
    if (sourceProblem) throw new DefinitionLoadError(sourceProblem.file, sourceProblem.problem, sourceProblem.line);
    let module: unknown;
    try {
      module = await import(file);
    } catch (error) {
      throw new DefinitionLoadError(file, error instanceof Error ? error.message : String(error));
    }
    const definition = definitionExport(module);
    const problem = definitionProblem(definition);
    if (problem) throw new DefinitionLoadError(file, problem);
    const { name } = definition as RunDefinition;
    const existing = loaded.get(name);
    if (existing) throw new DefinitionLoadError(file, `another definition is named "${name}" too: ${existing.file}`);
    loaded.set(name, { file, definition: definition as RunDefinition });
  }
  return loaded;
}

/** The definitions a process knows, by name. */
export type DefinitionCatalog = ReadonlyMap<string, LoadedDefinition>;

/** Finds and loads the definitions of `definitions/` and FLIGHTDECK_DEFINITIONS_DIR. */
export async function loadDefinitionCatalog(setting: string | undefined): Promise<{ files: string[]; catalog: DefinitionCatalog }> {
  const files = await findDefinitionFiles(definitionDirectories(setting));
  return { files, catalog: await loadDefinitions(files) };
}
