#!/usr/bin/env node
// The `flightdeck` command: runs the TypeScript CLI (cli/main.ts) in this process through tsx's
// CommonJS hook (the project's .ts files are CommonJS), so there is no build step and exit codes
// and signals need no passing through.
import { createRequire } from 'node:module';
import { register } from 'tsx/cjs/api';

register();
const { runCli } = createRequire(import.meta.url)('../cli/main.ts');

const readStdin = async () => {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
};

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin,
});
