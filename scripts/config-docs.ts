/** `npm run docs:config [-- --check]`: the configuration table of docs/operations.md, from the env schemas. */
import { configTable } from './config-table';
import { runSectionGenerator } from './generated-section';

runSectionGenerator({ file: 'docs/operations.md', command: 'npm run docs:config', sections: { 'config-table': configTable } });
