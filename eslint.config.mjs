// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

export default tseslint.config(
  {
    ignores: ['node_modules/**', '.data/**', '.tools/**', 'web/.next/**', 'web/next-env.d.ts', 'coverage/**', 'bench/results/**'],
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
          patterns: [{ group: ['../activities/*', '!../activities'], message: 'Import activity types only, from "../activities".', allowTypeImports: true }],
        },
      ],
      'no-restricted-syntax': [
        'error',
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
      ],
      'no-restricted-globals': ['error', 'process', 'require', 'Buffer', 'fetch', 'crypto', 'performance'],
    },
  },
);
