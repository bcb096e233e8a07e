/**
 * Sections of docs/*.md that a script writes: the text between `<!-- <name>:start -->` and
 * `<!-- <name>:end -->`. The generators (config-docs.ts, performance-docs.ts) replace it, and with
 * `--check` only compare; test/docs.test.ts compares the same way.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..');

const markers = (name: string) => ({ start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` });

/** The text between a section's markers, or an error naming what is missing. */
export function sectionOf(document: string, name: string): string {
  const { start, end } = markers(name);
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no ${start} … ${end} section`);
  return document.slice(from + start.length, to);
}

/** The document with the section's text replaced by `body` (kept between blank lines). */
export function withSection(document: string, name: string, body: string): string {
  const { start } = markers(name);
  const current = sectionOf(document, name);
  const from = document.indexOf(start) + start.length;
  return `${document.slice(0, from)}\n\n${body.trim()}\n\n${document.slice(from + current.length)}`;
}

/** Markdown table; `|` in a cell is escaped and line breaks become spaces. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const line = (cells: ReadonlyArray<string | number>) =>
    `| ${cells
      .map((cell) =>
        String(cell)
          .replace(/\|/g, '\\|')
          .replace(/\s*\n\s*/g, ' '),
      )
      .join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * The whole generator process: writes each section into `file` (relative to the repository), or
 * with `--check` exits 1 when any section of the file is not what its render function gives.
 */
export function runSectionGenerator(options: { file: string; command: string; sections: Record<string, () => string> }): void {
  const file = path.join(repoRoot, options.file);
  const document = readFileSync(file, 'utf8');
  const updated = Object.entries(options.sections).reduce((text, [name, render]) => withSection(text, name, render()), document);
  if (process.argv.includes('--check')) {
    if (updated === document) return;
    process.stderr.write(`${options.file} is stale: run \`${options.command}\`\n`);
    process.exitCode = 1;
    return;
  }
  if (updated !== document) writeFileSync(file, updated);
  console.log(`${options.file}: ${updated === document ? 'up to date' : 'written'}`);
}
