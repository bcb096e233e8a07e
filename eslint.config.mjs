// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

const topLevel = [
  'activities',
  'api',
  'bench',
  'cli',
  'definitions',
  'domains',
  'lib',
  'migrations',
  'scripts',
  'sdk',
  'test',
  'tools',
  'web',
  'worker',
  'workflows',
];
/** Every top-level folder but `allowed`, as no-restricted-paths `from` entries. */
const allBut = (...allowed) => topLevel.filter((folder) => !allowed.includes(folder)).map((folder) => `./${folder}`);

/** lib/ modules workflow code may import: pure contracts, no I/O, nothing non-deterministic. */
export const workflowSafeLib = [
  // Pure, no imports: the approval gate hashes args and checks what the log would redact.
  'args-hash.ts',
  'event-schemas.ts',
  'events.ts',
  'failure-types.ts',
  'model-usage.ts',
  'plan-graph.ts',
  'redact.ts',
  'roles.ts',
  'run-spec.ts',
  'schedule-contract.ts',
  'search-attributes.ts',
  'templates.ts',
  'workflow-contract.ts',
];
/** lib/ wire schemas the dashboard may import besides the typed client (lib/api-client/). */
export const webSafeLib = ['api-client', 'event-schemas.ts', 'events.ts', 'rest-schemas.ts', 'roles.ts', 'run-spec.ts', 'stream.ts'];

const layerZones = [
  // Activity types reach workflows through `import type` from ../activities (no-restricted-imports below).
  {
    target: './workflows',
    from: allBut('workflows', 'lib', 'activities', 'sdk'),
    message: 'Workflows import only @temporalio/workflow, workflow-safe lib/ contracts, the sdk/ and activity types.',
  },
  { target: './sdk', from: allBut('sdk', 'lib'), message: 'sdk/ is bundled with every definition: it imports only workflow-safe lib/ contracts.' },
  {
    target: './sdk',
    from: './lib',
    except: workflowSafeLib.map((file) => `./${file}`),
    message: 'Not a workflow-safe lib/ contract (eslint.config.mjs, workflowSafeLib): sdk/ is workflow code.',
  },
  { target: './definitions', from: allBut('definitions', 'sdk'), message: "Definitions import only 'flightdeck' (the sdk/), as users' definitions do." },
  {
    target: './workflows',
    from: './lib',
    except: workflowSafeLib.map((file) => `./${file}`),
    message: 'Not a workflow-safe lib/ contract (eslint.config.mjs, workflowSafeLib): workflows must stay deterministic.',
  },
  { target: './activities', from: './api', message: 'Activities never import api/ (transport): move what both need to lib/ or domains/.' },
  {
    target: './domains',
    from: ['./api', './activities', './worker'],
    message: 'Domains are called by the edges, never the reverse: no api/, activities/ or worker/.',
  },
  {
    target: './lib',
    from: ['./api', './domains', './activities', './worker', './tools'],
    message: 'lib/ is what every process shares: it imports no api/, domains/, activities/, worker/ or tools/.',
  },
  { target: './web', from: allBut('web', 'lib'), message: 'The dashboard imports only the typed client (lib/api-client) and wire schemas.' },
  {
    target: './web',
    from: './lib',
    except: webSafeLib.map((file) => `./${file}`),
    message: 'Not a wire schema the dashboard may import (eslint.config.mjs, webSafeLib): use the typed client.',
  },
  { target: './tools', from: ['./api', './domains'], message: 'Tool providers never import api/ or domains/.' },
];

/** What workflow code may not do: read clocks, draw random numbers, set timers of its own. */
const deterministicSyntax = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: 'No wall-clock reads in workflows: time comes from Temporal (timers, workflowInfo()).',
  },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'No wall-clock reads in workflows.' },
  {
    selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
    message: 'No randomness in workflows: use uuid4() from @temporalio/workflow.',
  },
  { selector: "CallExpression[callee.name='setTimeout']", message: 'Use sleep() from @temporalio/workflow.' },
  { selector: "CallExpression[callee.name='setInterval']", message: 'Use sleep() from @temporalio/workflow in a loop.' },
];

/** no-restricted-imports for definition files: no Node built-ins, and only the packages `allowed` (a negative-lookahead regex) lets through. */
const definitionImports = (allowed, message) => [
  'error',
  {
    paths: nodeBuiltins.map((name) => ({ name, message: 'Definitions must be deterministic: no Node built-ins (call a tool with ctx.tool).' })),
    patterns: [{ regex: allowed, message }],
  },
];

export default tseslint.config(
  {
    // test/fixtures/lint/ holds deliberate violations: test/lint-rules.test.ts lints them under virtual paths.
    ignores: ['node_modules/**', '.data/**', '.tools/**', 'web/.next/**', 'web/next-env.d.ts', 'coverage/**', 'bench/results/**', 'test/fixtures/lint/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', '*.js', 'scripts/*.mjs', 'bin/*.mjs', 'web/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Workflow code is replayed: it must be deterministic. No I/O, no Node built-ins, no clocks or
    // randomness of its own (the SDK's sandbox supplies deterministic ones; we do not lean on them).
    files: ['workflows/**/*.ts', 'bench/baseline-workflow.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflows must be deterministic: no Node built-ins (use an activity).' })),
            ...['pg', 'knex', 'ws', 'express', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'pino', '@composio/core'].map((name) => ({
              name,
              message: 'Workflows must not do I/O: call an activity instead.',
            })),
          ],
          patterns: [
            { group: ['../activities/*', '!../activities'], message: 'Import activity types only, from "../activities".', allowTypeImports: true },
            { group: ['../activities'], message: 'Import activity types only (import type): activities run outside the workflow.', allowTypeImports: true },
            {
              // Packages: only the workflow SDK and the common types it is built on.
              regex: '^(?!\\.|@temporalio/workflow$|@temporalio/common(/|$))',
              message: 'Workflows import only @temporalio/workflow (and @temporalio/common) among packages.',
            },
          ],
        },
      ],
      'no-restricted-syntax': ['error', ...deterministicSyntax],
      'no-restricted-globals': ['error', 'process', 'require', 'Buffer', 'fetch', 'crypto', 'performance'],
    },
  },
  {
    // Run definitions (and the sdk/ bundled with them) are workflow code: deterministic, no I/O.
    files: ['sdk/**/*.ts', 'definitions/**/*.ts', 'test/fixtures/definitions/**/*.ts'],
    rules: {
      'no-restricted-imports': definitionImports(
        '^(?!\\.|flightdeck$|zod$|@temporalio/common$)',
        "Definitions import only 'flightdeck' (defineRun, z, patched).",
      ),
      'no-restricted-syntax': ['error', ...deterministicSyntax],
      'no-restricted-globals': ['error', 'process', 'require', 'Buffer', 'fetch', 'crypto', 'performance'],
    },
  },
  {
    // The sdk/ re-exports what definitions need of zod and the workflow SDK (patched, deprecatePatch).
    files: ['sdk/**/*.ts'],
    rules: {
      'no-restricted-imports': definitionImports(
        '^(?!\\.|zod$|@temporalio/common$|@temporalio/workflow$)',
        'The sdk/ imports only zod, @temporalio/workflow and @temporalio/common types among packages.',
      ),
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    settings: {
      // The plugin reads only .js files unless told: no-cycle must parse the TypeScript it follows.
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json', 'web/tsconfig.json'], noWarnOnMultipleProjects: true })],
    },
    rules: {
      // Type-only imports do not count (they vanish at runtime); the longest cycle today is short, so
      // the depth bound costs nothing but keeps a full lint fast.
      'import-x/no-cycle': ['error', { maxDepth: 10 }],
    },
  },
  {
    // The layout (docs/architecture.md, "Folders and what each may import"): which layer may import which.
    // Tests wire layers together on purpose, so they are outside these rules.
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
    },
  },
);
