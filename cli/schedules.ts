import type { Schedule } from '../lib/api-client';
import { clientFrom, parseCommandArgs, print, readSpec, requirePositional, UsageError, type Command, type CommandGroup } from './command';
import { formatSchedule, schedulesTable } from './format';

const noteOption = { note: { type: 'string' } } as const;

const create: Command = {
  name: 'create',
  usage: [
    'schedules create <spec.json | -> (--cron <expr> | --every <interval>) [--id <id>]',
    '                 [--timezone <iana>] [--paused] [--note <text>]',
  ],
  summary: 'create a recurring run from a run spec (cron such as "0 * * * *" or @daily, or an interval such as 15m); prints the schedule id',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { ...noteOption, cron: { type: 'string' }, every: { type: 'string' }, id: { type: 'string' }, timezone: { type: 'string' }, paused: { type: 'boolean' } },
      { max: 1 },
    );
    const source = requirePositional(positionals, 0, 'spec.json | -');
    if ((values.cron === undefined) === (values.every === undefined)) throw new UsageError('give exactly one of --cron and --every');
    const spec = await readSpec(source, io);
    // The API validates the cron expression, interval, time zone and id, and answers with every problem.
    const schedule = await clientFrom(values, io).createSchedule({
      spec,
      ...(values.id !== undefined ? { id: values.id } : {}),
      ...(values.cron !== undefined ? { cron: values.cron } : {}),
      ...(values.every !== undefined ? { every: values.every } : {}),
      ...(values.timezone !== undefined ? { timezone: values.timezone } : {}),
      ...(values.paused ? { paused: true } : {}),
      ...(values.note !== undefined ? { note: values.note } : {}),
    });
    print(io, values, { schedule }, () => `${schedule.id}\n`);
    if (!values.json) io.stderr(`next: ${schedule.nextRunTimes[0] ?? '-'}${schedule.paused ? ' (paused)' : ''}; Temporal UI: ${schedule.temporalUrl}\n`);
    return 0;
  },
};

const list: Command = {
  name: 'list',
  usage: ['schedules list'],
  summary: "list your tenant's schedules",
  async run(args, io) {
    const { values } = parseCommandArgs(args, {}, { max: 0 });
    const schedules = await clientFrom(values, io).listSchedules();
    print(io, values, { schedules }, () => (schedules.length > 0 ? schedulesTable(schedules) : 'no schedules\n'));
    return 0;
  },
};

const show: Command = {
  name: 'show',
  usage: ['schedules show <schedule-id>'],
  summary: 'print a schedule, its next times and the runs its recent ticks started',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {}, { max: 1 });
    const schedule = await clientFrom(values, io).getSchedule(requirePositional(positionals, 0, 'schedule-id'));
    print(io, values, { schedule }, () => formatSchedule(schedule));
    return 0;
  },
};

/** `pause`, `unpause` and `trigger` share a shape: one id, an optional note, the schedule as it is then. */
function controlCommand(action: 'pause' | 'unpause' | 'trigger', summary: string, done: (schedule: Schedule) => string): Command {
  return {
    name: action,
    usage: [`schedules ${action} <schedule-id> [--note <text>]`],
    summary,
    async run(args, io) {
      const { values, positionals } = parseCommandArgs(args, noteOption, { max: 1 });
      const schedule = await clientFrom(values, io).controlSchedule(requirePositional(positionals, 0, 'schedule-id'), action, values.note);
      print(io, values, { schedule }, () => done(schedule));
      return 0;
    },
  };
}

const pause = controlCommand('pause', 'stop a schedule from starting runs until it is unpaused', (schedule) => `paused ${schedule.id}\n`);
const unpause = controlCommand(
  'unpause',
  'let a paused schedule start runs again',
  (schedule) => `unpaused ${schedule.id} (next: ${schedule.nextRunTimes[0] ?? '-'})\n`,
);
const trigger = controlCommand(
  'trigger',
  "start the schedule's run now (also when paused); `flightdeck schedules show` lists the run once it has started",
  (schedule) => `triggered ${schedule.id}\n`,
);

const remove: Command = {
  name: 'delete',
  usage: ['schedules delete <schedule-id>'],
  summary: 'delete a schedule; runs it already started are not touched',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {}, { max: 1 });
    const id = requirePositional(positionals, 0, 'schedule-id');
    await clientFrom(values, io).deleteSchedule(id);
    print(io, values, { deleted: id }, () => `deleted ${id}\n`);
    return 0;
  },
};

export const schedulesCommands: CommandGroup = {
  name: 'schedules',
  summary: 'recurring runs as Temporal Schedules (operator role to change them)',
  commands: [create, list, show, pause, unpause, trigger, remove],
};
