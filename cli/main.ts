/**
 * `flightdeck <group> <command> [arguments] [options]`: the command line over the typed API client.
 * Exit codes: 0 done, 1 failed (the API said no, no answer, or a watched run did not complete),
 * 2 the command line is wrong (with usage).
 */
import { FlightdeckApiError, FlightdeckUnreachableError } from '../lib/api-client';
import { ConfigError } from '../lib/config';
import { HelpRequested, UsageError, type CliIo, type Command, type CommandGroup } from './command';
import { keysCommands } from './keys';
import { runsCommands } from './runs';
import { schedulesCommands } from './schedules';

const groups: CommandGroup[] = [runsCommands, schedulesCommands, keysCommands];

const commonOptions = [
  'Options of every command:',
  '  --api-url <url>   the API (default: $FLIGHTDECK_API_URL, else http://localhost:4000)',
  '  --api-key <key>   an API key (default: $FLIGHTDECK_API_KEY; `npm start` prints the admin key)',
  "  --json            print the API's answer as JSON (watch: one event per line)",
  '  -h, --help        this help',
].join('\n');

/** A command's usage lines under `prefix`; lines that start with a space continue the one before. */
const usageLines = (command: Command, indent: string, prefix: string) =>
  command.usage.map((line) => (line.startsWith(' ') ? `${indent}${' '.repeat(prefix.length)}${line}` : `${indent}${prefix}${line}`));

function overallHelp(): string {
  const lines = ['Usage: flightdeck <group> <command> [arguments] [options]', ''];
  for (const group of groups) {
    lines.push(`${group.name}: ${group.summary}`);
    for (const command of group.commands) lines.push(...usageLines(command, '  ', ''));
    lines.push('');
  }
  lines.push(commonOptions, '', 'Exit codes: 0 done, 1 failed (API error, no answer, watched run not completed), 2 usage error.');
  return `${lines.join('\n')}\n`;
}

const groupHelp = (group: CommandGroup) =>
  `Usage:\n${group.commands.map((command) => [...usageLines(command, '  ', 'flightdeck '), `      ${command.summary}`].join('\n')).join('\n')}\n\n${commonOptions}\n`;

const commandHelp = (command: Command) => `Usage:\n${usageLines(command, '  ', 'flightdeck ').join('\n')}\n\n${command.summary}\n\n${commonOptions}\n`;

/** Runs one command line; resolves to the process exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [groupName, commandName, ...args] = argv;
  if (groupName === undefined || groupName === '--help' || groupName === '-h' || groupName === 'help') {
    (groupName === undefined ? io.stderr : io.stdout)(overallHelp());
    return groupName === undefined ? 2 : 0;
  }
  const group = groups.find((candidate) => candidate.name === groupName);
  if (!group) return usageFailure(io, `unknown command group "${groupName}"`, overallHelp());
  if (commandName === undefined || commandName === '--help' || commandName === '-h') {
    (commandName === undefined ? io.stderr : io.stdout)(groupHelp(group));
    return commandName === undefined ? 2 : 0;
  }
  const command = group.commands.find((candidate) => candidate.name === commandName);
  if (!command) return usageFailure(io, `unknown command "${group.name} ${commandName}"`, groupHelp(group));

  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.stdout(commandHelp(command));
      return 0;
    }
    if (error instanceof UsageError) return usageFailure(io, error.message, commandHelp(command));
    io.stderr(describeFailure(error));
    return 1;
  }
}

function usageFailure(io: CliIo, message: string, help: string): number {
  io.stderr(`error: ${message}\n\n${help}`);
  return 2;
}

/** Code, message and details as the API gave them; hints where the fix is usually the same. */
export function describeFailure(error: unknown): string {
  if (error instanceof FlightdeckApiError) {
    const lines = [`error: ${error.code} (HTTP ${error.status}): ${error.message}`];
    if (Array.isArray(error.details)) {
      for (const detail of error.details as Array<{ path?: unknown; message?: unknown }>) {
        lines.push(
          detail && typeof detail === 'object' && 'message' in detail
            ? `  - ${String(detail.path ?? '')}: ${String(detail.message)}`
            : `  - ${JSON.stringify(detail)}`,
        );
      }
    } else if (error.details !== null && error.details !== undefined) {
      lines.push(`  details: ${JSON.stringify(error.details)}`);
    }
    if (error.status === 401) lines.push('  hint: check FLIGHTDECK_API_KEY / --api-key (`npm start` prints the admin key)');
    return `${lines.join('\n')}\n`;
  }
  if (error instanceof FlightdeckUnreachableError) {
    return `error: ${error.message}\n  hint: is the API running? \`npm start\` runs it; FLIGHTDECK_API_URL / --api-url say where it is\n`;
  }
  if (error instanceof ConfigError) return `error: ${error.message}\n`;
  return `error: ${error instanceof Error ? error.message : String(error)}\n`;
}
