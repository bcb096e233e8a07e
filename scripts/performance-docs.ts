/** `npm run docs:performance [-- --check]`: the figures of docs/performance.md from bench/results/latest.json, and the bench's knobs. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, runSectionGenerator } from './generated-section';
import { benchOptionsTable, performanceSection, resultsFile } from './performance-table';

runSectionGenerator({
  file: 'docs/performance.md',
  command: 'npm run docs:performance',
  sections: {
    'bench-options': benchOptionsTable,
    'performance-table': () =>
      performanceSection(JSON.parse(readFileSync(path.join(repoRoot, resultsFile), 'utf8')) as Parameters<typeof performanceSection>[0]),
  },
});
