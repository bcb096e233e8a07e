/**
 * The README's "A first run" works as written: its commands, taken from README.md verbatim, run in
 * bash against a real stack, with the variables the README tells users to export pointed at it.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { useTestStack } from './stack';

const repoRoot = path.resolve(__dirname, '..');
const commandEndMarker = '@@readme-first-run-command';

/** The body of the ```sh block that follows `<!-- marker… -->` in the README. */
function shellBlockAfter(readme: string, marker: string): string {
  const match = new RegExp(`<!-- ${marker}:[^>]*-->\\s*\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!match) throw new Error(`README.md has no \`\`\`sh block after <!-- ${marker}: … -->`);
  return match[1]!;
}

/** One command per line; blank and comment lines skipped, `\` continuations joined. */
function commandsOf(block: string): string[] {
  const commands: string[] = [];
  let pending = '';
  for (const line of block.split('\n')) {
    if (pending === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)}\n`;
      continue;
    }
    commands.push(pending + line);
    pending = '';
  }
  if (pending !== '') commands.push(pending);
  return commands;
}

/** The names of `export NAME=…` lines. */
const exportedNames = (block: string) => commandsOf(block).map((command) => /^export\s+([A-Z_][A-Z0-9_]*)=/.exec(command)?.[1] ?? command);

interface CommandOutcome {
  command: string;
  status: number;
  stdout: string;
}

/** Runs the commands in one bash (variables carry over), stopping at the first that fails. */
function runInBash(commands: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ outcomes: CommandOutcome[]; stderr: string; timedOut: boolean }> {
  const script = [
    'set -o pipefail',
    ...commands.map(
      (command, index) => `${command}\nstatus=$?\nprintf '\\n${commandEndMarker} %d %d\\n' ${index} "$status"\n[ "$status" -eq 0 ] || exit "$status"`,
    ),
  ].join('\n');
  return new Promise((resolve, reject) => {
    // Its own process group, so a command that hangs is stopped with everything it started.
    const child = spawn('bash', ['-c', script], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      const outcomes: CommandOutcome[] = [];
      const ends = new RegExp(`\\n${commandEndMarker} (\\d+) (\\d+)\\n`, 'g');
      let from = 0;
      for (const end of stdout.matchAll(ends)) {
        outcomes.push({ command: commands[Number(end[1])]!, status: Number(end[2]), stdout: stdout.slice(from, end.index) });
        from = end.index + end[0].length;
      }
      resolve({ outcomes, stderr, timedOut });
    });
  });
}

describe("README.md's first run, executed as written", () => {
  const stack = useTestStack();

  it('starts the echo plan, watches it complete and shows it completed', async () => {
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    const commands = commandsOf(shellBlockAfter(readme, 'first-run'));
    expect(commands).toHaveLength(3);

    // The README tells users to export the CLI's API URL and key; here they name this stack's.
    const valueFor: Record<string, string> = { FLIGHTDECK_API_URL: stack.apiUrl, FLIGHTDECK_API_KEY: stack.adminKey };
    const names = exportedNames(shellBlockAfter(readme, 'first-run-env'));
    expect([...names].sort()).toEqual(Object.keys(valueFor).sort());
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith('FLIGHTDECK_')) delete env[name];
    for (const name of names) env[name] = valueFor[name];

    const { outcomes, stderr, timedOut } = await runInBash(commands, env, 45_000);
    if (timedOut || outcomes.length !== commands.length || outcomes.some((outcome) => outcome.status !== 0)) {
      const ran = outcomes.map(({ command, status, stdout }) => `$ ${command}\n${stdout}(exit ${status})`).join('\n');
      throw new Error(`the README's first run failed${timedOut ? ' (timed out)' : ''}:\n${ran}\nstderr:\n${stderr}`);
    }
    expect(outcomes.map(({ command, status }) => ({ command, status }))).toEqual(commands.map((command) => ({ command, status: 0 })));

    const [, watched, shown] = outcomes.map((outcome) => outcome.stdout);
    expect(watched).toMatch(/^\s*\d+\s+run\.completed\s/m);
    expect(shown).toMatch(/^status:\s+completed$/m);
    const runId = /^id:\s+(run_\w+)$/m.exec(shown!)?.[1];
    expect(runId).toBeDefined();
    expect(await stack.client.getRun(runId!)).toMatchObject({ id: runId, status: 'completed' });
  });
});
