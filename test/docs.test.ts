/**
 * Docs that cannot drift: the generated sections of docs/ match what their scripts write now, every
 * environment variable the code reads is in the configuration table, and every relative link in
 * README.md and docs/*.md reaches a file, and a heading or anchor there when it names one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { configTable, configVariables } from '../scripts/config-table';
import { repoRoot, sectionOf } from '../scripts/generated-section';
import { benchOptionsTable, performanceSection, resultsFile } from '../scripts/performance-table';

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

describe('generated sections', () => {
  it('docs/operations.md holds the configuration table the env schemas give (npm run docs:config)', () => {
    expect(sectionOf(read('docs/operations.md'), 'config-table').trim()).toBe(configTable().trim());
  });

  it('docs/performance.md holds the figures of bench/results/latest.json and the bench knobs (npm run docs:performance)', () => {
    const document = read('docs/performance.md');
    expect(sectionOf(document, 'performance-table').trim()).toBe(performanceSection(JSON.parse(read(resultsFile))).trim());
    expect(sectionOf(document, 'bench-options').trim()).toBe(benchOptionsTable().trim());
  });
});

describe('README.md', () => {
  it('shows definitions/echo-twice.ts as it is', () => {
    expect(read('README.md')).toContain(`\`\`\`ts\n${read('definitions/echo-twice.ts')}\`\`\``);
  });
});

/** The folders whose code runs in a Flightdeck process or command (tests and the bench are not configuration). */
const codeFolders = ['api', 'worker', 'lib', 'tools', 'domains', 'activities', 'scripts', 'web', 'cli', 'bin'];

/** Variables the code reads that are not Flightdeck's configuration, each with why. */
const notConfiguration = new Map([
  ['NEXT_RUNTIME', 'set by Next.js itself, telling web/instrumentation.ts which runtime loads it'],
  ['PATH', "the operating system's search path, where scripts/temporal-cli.ts looks for binaries"],
]);

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(repoRoot, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx|mjs|cjs|js)$/.test(entry.name) && !/\.test\.[a-z]+$/.test(entry.name))
    .map((entry) => path.relative(repoRoot, path.join(entry.parentPath, entry.name)))
    .filter((file) => !file.split(path.sep).some((part) => part === 'node_modules' || part === '.next'));
}

/** `process.env.X`, `process.env['X']`, `env.X` on a parsed env, and UPPER_CASE keys of zod schemas. */
function variablesReadIn(file: string): string[] {
  const source = read(file);
  const name = '([A-Z][A-Z0-9_]*)(?![A-Za-z0-9_])';
  const patterns = [
    new RegExp(`process\\.env\\.${name}`, 'g'),
    new RegExp(`process\\.env\\[['"]${name}['"]\\]`, 'g'),
    new RegExp(`\\b[eE]nv\\??\\.${name}`, 'g'),
  ];
  if (/from 'zod'/.test(source)) patterns.push(new RegExp(`^\\s*${name}\\??:`, 'gm'));
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1]!));
}

describe('the configuration table', () => {
  it('lists every environment variable the code reads', () => {
    const listed = new Set(configVariables());
    const missing = new Map<string, string[]>();
    for (const file of codeFolders.flatMap(sourceFiles)) {
      for (const variable of variablesReadIn(file)) {
        if (listed.has(variable) || notConfiguration.has(variable)) continue;
        missing.set(variable, [...new Set([...(missing.get(variable) ?? []), file])]);
      }
    }
    // Add the variable to an env schema in scripts/config-table.ts's envSources (then npm run docs:config).
    expect(Object.fromEntries(missing)).toEqual({});
  });
});

const withoutCode = (markdown: string) => markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of withoutCode(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .trim()
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const [, id] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id!);
  return anchors;
}

const markdownFiles = [
  'README.md',
  ...readdirSync(path.join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

describe('links in README.md and docs/', () => {
  it.each(markdownFiles)('every relative link in %s reaches an existing file and heading', (file) => {
    const broken: string[] = [];
    for (const [, target] of withoutCode(read(file)).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue; // http:, https:, mailto:
      const [pathPart = '', anchor] = target!.split('#');
      const linked = pathPart ? path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURIComponent(pathPart))) : file;
      if (!existsSync(path.join(repoRoot, linked))) broken.push(`${target} (no file ${linked})`);
      else if (anchor && linked.endsWith('.md') && !anchorsOf(read(linked)).has(anchor)) broken.push(`${target} (no heading #${anchor} in ${linked})`);
    }
    expect(broken).toEqual([]);
  });
});
