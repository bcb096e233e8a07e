import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The layer and determinism rules of eslint.config.mjs, each shown to fire. A fixture in
 * test/fixtures/lint/ names the path it is linted as (inside the real folders, so the rule's glob
 * applies, but never written there) and the one rule it must break, or "nothing".
 */
const root = path.resolve(__dirname, '..');
const fixtureDir = path.join(root, 'test', 'fixtures', 'lint');

interface Fixture {
  name: string;
  filePath: string;
  expected: string | null;
  code: string;
}

function readFixture(name: string): Fixture {
  const code = readFileSync(path.join(fixtureDir, name), 'utf8');
  const filePath = /^\/\/ lint-as: (\S+)$/m.exec(code)?.[1];
  const expected = /^\/\/ expect: (\S+)/m.exec(code)?.[1];
  if (!filePath || !expected) throw new Error(`${name}: needs "// lint-as: <path>" and "// expect: <rule>|nothing" lines`);
  return { name, filePath, expected: expected === 'nothing' ? null : expected, code };
}

// ESLint loads its flat config with import(), which Jest's module system does not run: lint in a
// child Node. Type-aware rules are off there (the virtual files are in no tsconfig); import rules
// resolve from the file's path as in a real lint.
const lintScript = `
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const eslint = new ESLint({ cwd: process.cwd(), overrideConfig: tseslint.configs.disableTypeChecked });
const results = [];
for (const { code, filePath } of JSON.parse(input)) {
  const [result] = await eslint.lintText(code, { filePath });
  results.push(result.messages.map((message) => ({ ruleId: message.ruleId, message: message.message })));
}
process.stdout.write(JSON.stringify(results));
`;

type Messages = Array<{ ruleId: string | null; message: string }>;

describe('lint rules', () => {
  const fixtures = readdirSync(fixtureDir)
    .filter((name) => name.endsWith('.txt'))
    .sort()
    .map(readFixture);
  let results: Map<string, Messages>;

  beforeAll(() => {
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', lintScript], {
      cwd: root,
      input: JSON.stringify(fixtures.map(({ code, filePath }) => ({ code, filePath }))),
      encoding: 'utf8',
    });
    const lists = JSON.parse(output) as Messages[];
    results = new Map(fixtures.map((fixture, index) => [fixture.name, lists[index]!]));
  }, 120_000);

  it('has a clean fixture and one per rule', () => {
    const expected = new Set(fixtures.map((fixture) => fixture.expected));
    expect(expected).toContain(null);
    for (const rule of ['import-x/no-cycle', 'import-x/no-restricted-paths', 'no-restricted-imports', 'no-restricted-syntax']) expect(expected).toContain(rule);
  });

  it.each(readdirSync(fixtureDir).filter((name) => name.endsWith('.txt')))('%s breaks exactly the rule it names', (name) => {
    const fixture = fixtures.find((candidate) => candidate.name === name)!;
    const messages = results.get(name)!;
    if (fixture.expected === null) expect(messages).toEqual([]);
    else {
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.map((message) => message.ruleId)).toEqual(messages.map(() => fixture.expected));
    }
  });
});
