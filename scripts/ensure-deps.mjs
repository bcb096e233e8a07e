// Runs before `npm start` and `npm test`: installs dependencies on a fresh clone, or when
// package-lock.json changed since the last install, so those two commands are all a user types.
// "Changed" is by content (a hash stamp in node_modules), not by file times: a checkout touches times.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lock = path.join(root, 'package-lock.json');
const stamp = path.join(root, 'node_modules', '.flightdeck-deps-stamp');

const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  console.error(
    `flightdeck needs Node.js 22 or newer, 24 LTS recommended (this is ${process.version}): run \`nvm install\` (reads .nvmrc) or get it from https://nodejs.org/en/download`,
  );
  process.exit(1);
}

const lockHash = existsSync(lock) ? createHash('sha256').update(readFileSync(lock)).digest('hex') : 'no-lock';
const installedHash = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : null;
if (installedHash !== lockHash) {
  const command = existsSync(lock) ? 'ci' : 'install';
  console.log(`flightdeck: installing dependencies (npm ${command}); this takes a minute on a fresh clone…`);
  const result = spawnSync('npm', [command, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`flightdeck: npm ${command} failed (exit ${result.status}). Fix the error above and run the command again.`);
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, `${lockHash}\n`);
}
