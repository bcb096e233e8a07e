import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { definitionSourceProblem, forbiddenImport } from './definition-source';
import { DefinitionLoadError, loadDefinitions } from './definitions';

const header = "import { defineRun, z } from 'flightdeck';";
const body = "export default defineRun({ name: 'checked', input: z.object({}), run: async () => ({}) });";

describe('definition sources: what workflow code may import, checked before it is imported or bundled', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'flightdeck-definition-source-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const write = async (name: string, lines: string[]) => {
    const file = path.join(dir, name);
    await writeFile(file, `${lines.join('\n')}\n`);
    return file;
  };

  it('refuses a Node built-in, named with or without node:, a subpath, by require() or import(), naming file and line', async () => {
    for (const [line, specifier] of [
      ["import { readFileSync } from 'node:fs';", 'node:fs'],
      ["import * as fs from 'fs';", 'fs'],
      ["import { readFile } from 'fs/promises';", 'fs/promises'],
      ["export { exec } from 'child_process';", 'child_process'],
      ["const cp = require('child_process');", 'child_process'],
      ["const later = () => import('node:net');", 'node:net'],
    ] as const) {
      const file = await write('bad.ts', [header, '', line, body]);
      expect(await definitionSourceProblem(file)).toEqual({
        file,
        line: 3,
        problem: expect.stringMatching(new RegExp(`^imports "${specifier}", which workflow code cannot use \\(a Node built-in; .*ctx\\.tool\\)$`)),
      });
    }
  });

  it('refuses packages that do I/O, and Temporal’s non-workflow packages', async () => {
    for (const specifier of ['pg', 'knex', '@temporalio/client', '@temporalio/activity', '@composio/core/lib/x']) {
      expect(forbiddenImport(specifier)).toMatch(/it does I\/O/);
    }
    for (const specifier of ['flightdeck', 'zod', '@temporalio/workflow', '@temporalio/common', 'some-pure-helper']) {
      expect(forbiddenImport(specifier)).toBeNull();
    }
  });

  it('lets type-only imports through (they vanish at run time), and a clean definition passes', async () => {
    const file = await write('typed.ts', [header, "import type { Stats } from 'node:fs';", "export type { Server } from 'node:http';", body]);
    expect(await definitionSourceProblem(file)).toBeNull();
  });

  it('follows relative imports: a helper’s built-in names the helper’s line and the import that led there', async () => {
    await write('_helper.ts', ['// a helper', "import { execSync } from 'node:child_process';", 'export const helper = () => execSync("ls");']);
    const file = await write('uses-helper.ts', [header, "import { helper } from './_helper.js';", body]);
    expect(await definitionSourceProblem(file)).toEqual({
      file: path.join(dir, '_helper.ts'),
      line: 2,
      problem: expect.stringMatching(new RegExp(`^imports "node:child_process", .* \\(imported by ${path.join(dir, 'uses-helper.ts')}:2\\)$`)),
    });
  });

  it('names the file and line of a syntax error', async () => {
    const file = await write('broken.ts', [
      header,
      '',
      'export default defineRun({ name: "broken", input: z.object({}), run: async () => { return { a: 1 ; } } });',
    ]);
    expect(await definitionSourceProblem(file)).toEqual({ file, line: 3, problem: expect.stringMatching(/^syntax error: /) });
  });

  it('makes the loader refuse before importing, with file:line in the message the API and the worker print', async () => {
    const file = await write('bad.ts', [header, '', "import { readFileSync } from 'node:fs';", body]);
    const refused = loadDefinitions([file]);
    await expect(refused).rejects.toBeInstanceOf(DefinitionLoadError);
    await expect(refused).rejects.toThrow(`run definition ${file}:3: imports "node:fs", which workflow code cannot use (a Node built-in;`);
  });
});
