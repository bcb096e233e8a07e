/**
 * What a definition file may contain, checked on its source before anything imports or bundles it:
 * it must parse, and neither it nor a file it imports (relative imports are followed) may import a
 * Node built-in or a package that does I/O. Definitions are workflow code: Temporal's bundler
 * would refuse some of these with a webpack error that names neither file nor line, and let
 * others through to fail inside the sandbox. The API and the worker both run this check (through
 * lib/definitions.ts), so they refuse a bad definition with the same message.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

/** A problem in a definition's source: the file it is in (absolute), its line (1-based), what is wrong. */
export interface DefinitionSourceProblem {
  file: string;
  line: number;
  problem: string;
}

/** Packages that do I/O (or are Temporal's non-workflow parts): a definition reaches them through a tool instead. */
const ioPackages = new Set([
  'pg',
  'knex',
  'ws',
  'express',
  'pino',
  'undici',
  'node-fetch',
  'axios',
  '@composio/core',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
]);

const sandboxReason = "definitions run in Temporal's deterministic workflow sandbox, which has no I/O: call a tool with ctx.tool";

/** The package a bare specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
const packageOf = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** Why workflow code may not import `specifier`, or null when it may. Relative specifiers are the caller's to follow. */
export function forbiddenImport(specifier: string): string | null {
  if (isBuiltin(specifier)) return `imports "${specifier}", which workflow code cannot use (a Node built-in; ${sandboxReason})`;
  if (ioPackages.has(packageOf(specifier))) return `imports "${specifier}", which workflow code cannot use (it does I/O; ${sandboxReason})`;
  return null;
}

const sourceExtensions = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs'];

/** The file a relative import names, as a bundler would find it; null when there is none (the import itself then fails, naming it). */
function resolveRelative(fromFile: string, specifier: string): string | null {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const withoutJs = base.replace(/\.[cm]?js$/, '');
  const candidates = [
    base,
    ...sourceExtensions.map((extension) => base + extension),
    ...sourceExtensions.map((extension) => withoutJs + extension),
    ...sourceExtensions.map((extension) => path.join(base, `index${extension}`)),
  ];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile()) ?? null;
}

interface ImportSite {
  specifier: string;
  line: number;
}

const scriptKindOf = (file: string): ts.ScriptKind =>
  /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;

/** The first syntax error of `text`, or null. */
function syntaxProblem(file: string, text: string): DefinitionSourceProblem | null {
  const { diagnostics = [] } = ts.transpileModule(text, { fileName: file, reportDiagnostics: true, compilerOptions: { allowJs: true } });
  const first = diagnostics.find((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error && diagnostic.file && diagnostic.start !== undefined);
  if (!first?.file || first.start === undefined) return null;
  const { line } = first.file.getLineAndCharacterOfPosition(first.start);
  return { file, line: line + 1, problem: `syntax error: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}` };
}

/** Every import that stays at run time (`import type` and `export type` vanish), with its line. */
function importSites(file: string, text: string): ImportSite[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKindOf(file));
  const sites: ImportSite[] = [];
  const add = (specifier: ts.Expression | undefined, node: ts.Node) => {
    if (specifier && ts.isStringLiteralLike(specifier)) {
      sites.push({ specifier: specifier.text, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      if (!node.importClause?.isTypeOnly) add(node.moduleSpecifier, node);
    } else if (ts.isExportDeclaration(node)) {
      if (!node.isTypeOnly) add(node.moduleSpecifier, node);
    } else if (ts.isImportEqualsDeclaration(node)) {
      if (!node.isTypeOnly && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression, node);
    } else if (ts.isCallExpression(node)) {
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isRequire || node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

/** A path as messages show it: relative to the working folder when inside it, else absolute. */
export function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/**
 * The first problem of the definition `file` and of the files it imports relatively, or null. A
 * problem in an imported file names that file and line, and the import that led there.
 */
export async function definitionSourceProblem(file: string): Promise<DefinitionSourceProblem | null> {
  const seen = new Set<string>();
  const check = async (current: string): Promise<DefinitionSourceProblem | null> => {
    if (seen.has(current)) return null;
    seen.add(current);
    const text = await readFile(current, 'utf8');
    const syntax = syntaxProblem(current, text);
    if (syntax) return syntax;
    for (const { specifier, line } of importSites(current, text)) {
      if (specifier.startsWith('.')) {
        const imported = resolveRelative(current, specifier);
        const problem = imported ? await check(imported) : null;
        if (problem) return { ...problem, problem: `${problem.problem} (imported by ${shownPath(current)}:${line})` };
        continue;
      }
      const forbidden = forbiddenImport(specifier);
      if (forbidden) return { file: current, line, problem: forbidden };
    }
    return null;
  };
  return check(file);
}
