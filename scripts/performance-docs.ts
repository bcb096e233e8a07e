/** `npm run docs:performance [-- --check]`: the figures of docs/performance.md, from bench/results/latest.json. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, runSectionGenerator } from './generated-section';
import { performanceSection, resultsFile } from './performance-table';

runSectionGenerator({
  file: 'docs/performance.md',
  section: 'performance-table',
  command: 'npm run docs:performance',
  render: () => performanceSection(JSON.parse(readFileSync(path.join(repoRoot, resultsFile), 'utf8')) as Parameters<typeof performanceSection>[0]),
});
