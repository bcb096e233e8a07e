import { definitionExport, definitionProblem, type RunDefinition } from '../sdk/define-run';

/** A definition file as the bundle's entry registers it: where it came from, and its default export. */
export interface BundledDefinition {
  file: string;
  exported: unknown;
}

const definitions = new Map<string, { file: string; definition: RunDefinition }>();

/**
 * Called once by the generated bundle entry (worker/definitions-bundle.ts) with every definition
 * file it imports. The worker checked them in Node before bundling, so a problem here means the
 * bundle and the files disagree: it throws, and the worker does not start.
 */
export function registerDefinitions(files: BundledDefinition[]): void {
  for (const { file, exported } of files) {
    const definition = definitionExport(exported);
    const problem = definitionProblem(definition);
    if (problem) throw new Error(`${file}: ${problem}`);
    const { name } = definition as RunDefinition;
    const existing = definitions.get(name);
    if (existing && existing.file !== file) throw new Error(`two definitions are named "${name}": ${existing.file} and ${file}`);
    definitions.set(name, { file, definition: definition as RunDefinition });
  }
}

export function definitionNamed(name: string): RunDefinition | undefined {
  return definitions.get(name)?.definition;
}
