import type { RunEvent, RunSpecInput, RunStatus } from '../lib/api-client';
import {
  clientFrom,
  integerOption,
  listOption,
  parseCommandArgs,
  print,
  readSpec,
  requirePositional,
  UsageError,
  type Command,
  type CommandGroup,
} from './command';
import { formatEventLine, formatRun, runsTable } from './format';

const start: Command = {
  name: 'start',
  usage: ['runs start <spec.json | ->', 'runs start <definition> --input <json>', 'runs start --plan-echo <message>'],
  summary: 'start a run from a run spec file, stdin (-), a definition with its input, or a one-step builtin.echo plan; prints the run id',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { 'plan-echo': { type: 'string' }, input: { type: 'string' } }, { max: 1 });
    const source = positionals[0];
    if ((source === undefined) === (values['plan-echo'] === undefined)) {
      throw new UsageError('give exactly one of a spec file (or - for stdin), a definition name with --input, and --plan-echo');
    }
    const spec =
      source === undefined
        ? echoPlan(values['plan-echo'] ?? '')
        : values.input !== undefined
          ? definitionSpec(source, values.input)
          : await readSpec(source, io);
    const started = await clientFrom(values, io).startRun(spec);
    print(io, values, started, () => `${started.run.id}\n`);
    if (!started.created && !values.json) io.stderr(`(an existing run: its idempotencyKey matched)\n`);
    return 0;
  },
};

/** `runs start <definition> --input '{…}'`: the definition's input as JSON (the API checks it against the definition's schema). */
function definitionSpec(definition: string, inputText: string): RunSpecInput {
  return { definition, input: inputOption(inputText) };
}

/** `--input '{…}'` as JSON; the API checks it. */
function inputOption(inputText: string): RunSpecInput['input'] {
  try {
    return JSON.parse(inputText) as RunSpecInput['input'];
  } catch (error) {
    throw new UsageError(`--input must be JSON: ${(error as Error).message}`);
  }
}

const echoPlan = (message: string): RunSpecInput => ({
  name: 'echo',
  plan: { steps: [{ id: 'echo', tool: 'builtin.echo', args: { message } }] },
});

const list: Command = {
  name: 'list',
  usage: [
    'runs list [--status <s,…>] [--tag <t,…>] [--tool <provider.name>] [--search <text>]',
    '          [--created-after <iso>] [--created-before <iso>] [--limit <n>] [--cursor <c>]',
  ],
  summary: 'list runs, newest first (tags: a run must have all of them)',
  async run(args, io) {
    const { values } = parseCommandArgs(
      args,
      {
        status: { type: 'string', multiple: true },
        tag: { type: 'string', multiple: true },
        tool: { type: 'string' },
        search: { type: 'string' },
        'created-after': { type: 'string' },
        'created-before': { type: 'string' },
        limit: { type: 'string' },
        cursor: { type: 'string' },
      },
      { max: 0 },
    );
    const page = await clientFrom(values, io).listRuns({
      // The API checks the status names and answers with the allowed ones.
      status: listOption(values.status) as RunStatus[] | undefined,
      tag: listOption(values.tag),
      tool: values.tool,
      q: values.search,
      createdAfter: values['created-after'],
      createdBefore: values['created-before'],
      limit: integerOption(values.limit, 'limit', 1),
      cursor: values.cursor,
    });
    print(io, values, page, () => (page.runs.length > 0 ? runsTable(page.runs) : 'no runs\n'));
    if (page.nextCursor && !values.json) io.stderr(`more: --cursor ${page.nextCursor}\n`);
    return 0;
  },
};

const show: Command = {
  name: 'show',
  usage: ['runs show <run-id>'],
  summary: 'print a run and all its events',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {}, { max: 1 });
    const runId = requirePositional(positionals, 0, 'run-id');
    const client = clientFrom(values, io);
    const run = await client.getRun(runId);
    const events: RunEvent[] = [];
    for (let afterSeq = 0; ;) {
      const page = await client.listEvents(runId, { afterSeq, limit: 1000 });
      events.push(...page.events);
      if (page.events.length === 0 || page.nextAfterSeq >= page.lastSeq) break;
      afterSeq = page.nextAfterSeq;
    }
    print(io, values, { run, events }, () => `${formatRun(run)}\nevents:\n${events.map(formatEventLine).join('')}`);
    return 0;
  },
};

const watch: Command = {
  name: 'watch',
  usage: ['runs watch <run-id> [--after-seq <n>]'],
  summary:
    "stream a run's events live (`seq type summary`, with model answers printed as they stream; or JSON lines of events); exit 0 when it completes, 1 when it fails, is cancelled or terminated",
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { 'after-seq': { type: 'string' } }, { max: 1 });
    const runId = requirePositional(positionals, 0, 'run-id');
    const afterSeq = integerOption(values['after-seq'], 'after-seq', 0) ?? 0;
    let lastSeq = afterSeq;
    let wasLive = false;
    // Streamed answer text printed since the last newline: the next line starts on a line of its own.
    let answerOpen = false;
    const endAnswerLine = () => {
      if (answerOpen) io.stdout('\n');
      answerOpen = false;
    };
    const result = await clientFrom(values, io).watchRun(runId, {
      afterSeq,
      onEvent: (event) => {
        lastSeq = event.seq;
        endAnswerLine();
        io.stdout(values.json ? `${JSON.stringify(event)}\n` : formatEventLine(event));
      },
      onDelta: (delta) => {
        if (values.json) return; // JSON lines are events only
        if (delta.type === 'delta.reset') {
          endAnswerLine();
          io.stderr(`answer of turn ${delta.turn}${delta.agent ? ` (${delta.agent})` : ''} starts over\n`);
          return;
        }
        io.stdout(delta.text);
        if (delta.text.length > 0) answerOpen = !delta.text.endsWith('\n');
      },
      onStatus: (status) => {
        if (status === 'reconnecting') io.stderr(`connection lost after seq ${lastSeq}; reconnecting…\n`);
        if (status === 'live' && wasLive) io.stderr(`resumed after seq ${lastSeq}\n`);
        if (status === 'live') wasLive = true;
      },
    });
    if (result.outcome !== 'ended') return 1;
    if (result.status !== 'completed') io.stderr(`run ${runId} ${result.status}\n`);
    return result.status === 'completed' ? 0 : 1;
  },
};

const cancel: Command = {
  name: 'cancel',
  usage: ['runs cancel <run-id> [--reason <text>]'],
  summary: 'ask a run to stop gracefully (its in-flight tool call is cancelled; it ends `cancelled`)',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { reason: { type: 'string' } }, { max: 1 });
    const run = await clientFrom(values, io).cancelRun(requirePositional(positionals, 0, 'run-id'), values.reason);
    print(io, values, { run }, () => `cancel requested for ${run.id} (status now: ${run.status}); \`flightdeck runs watch ${run.id}\` shows the end\n`);
    return 0;
  },
};

const replay: Command = {
  name: 'replay',
  usage: ['runs replay <run-id>'],
  summary: "start a replay of an ended run: its tool calls answered from the run's log, models live",
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {}, { max: 1 });
    const run = await clientFrom(values, io).replayRun(requirePositional(positionals, 0, 'run-id'));
    print(io, values, { run }, () => `replay ${run.id} of ${run.originRunId} started; \`flightdeck runs watch ${run.id}\` follows it\n`);
    return 0;
  },
};

const fork: Command = {
  name: 'fork',
  usage: ['runs fork <run-id> (--from-step <step> | --from-seq <n>) [--input <json>]'],
  summary: 'start a fork of a run: its results reused before the step (or seq), live from there',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { 'from-step': { type: 'string' }, 'from-seq': { type: 'string' }, input: { type: 'string' } },
      { max: 1 },
    );
    const fromSeq = integerOption(values['from-seq'], 'from-seq', 1);
    if ((values['from-step'] === undefined) === (fromSeq === undefined)) throw new UsageError('give exactly one of --from-step and --from-seq');
    const input = values.input === undefined ? undefined : inputOption(values.input);
    const run = await clientFrom(values, io).forkRun(requirePositional(positionals, 0, 'run-id'), {
      ...(values['from-step'] !== undefined ? { fromStep: values['from-step'] } : { fromSeq }),
      ...(input !== undefined ? { input } : {}),
    });
    print(io, values, { run }, () => `fork ${run.id} of ${run.originRunId} started; \`flightdeck runs watch ${run.id}\` follows it\n`);
    return 0;
  },
};

const message: Command = {
  name: 'message',
  usage: ['runs message <run-id> <text>'],
  summary: 'send a chat message to a conversational agent run or a definition waiting with ctx.waitForMessage',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {}, { max: 2 });
    const runId = requirePositional(positionals, 0, 'run-id');
    const run = await clientFrom(values, io).sendMessage(runId, requirePositional(positionals, 1, 'text'));
    print(io, values, { run }, () => `message sent to ${run.id} (status now: ${run.status}); \`flightdeck runs watch ${run.id}\` shows what it does with it\n`);
    return 0;
  },
};

const approve: Command = {
  name: 'approve',
  usage: [
    'runs approve <run-id> [<approval-id>] [--comment <text>] [--args <json>]',
    'runs approve <run-id> --reject [<approval-id>] [--comment <text>]',
    'runs approve --list [--run <run-id>]',
  ],
  summary: "decide on a run's pending approval (the only pending one unless you name it), or list the inbox",
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { reject: { type: 'boolean' }, comment: { type: 'string' }, args: { type: 'string' }, list: { type: 'boolean' }, run: { type: 'string' } },
      { max: 2 },
    );
    const client = clientFrom(values, io);
    if (values.list) {
      const approvals = await client.listApprovals({ status: ['pending'], runId: values.run });
      print(io, values, { approvals }, () =>
        approvals.length === 0
          ? 'no pending approvals\n'
          : approvals
              .map(
                (approval) =>
                  `${approval.id}  ${approval.tool ?? JSON.stringify(approval.title)}  deadline ${approval.deadline}  approvals ${approval.approvals}/${approval.required}  args ${JSON.stringify(approval.currentArgs)}\n`,
              )
              .join(''),
      );
      return 0;
    }
    const runId = requirePositional(positionals, 0, 'run-id');
    const pending = await client.listApprovals({ status: ['pending'], runId });
    let approvalId = positionals[1];
    if (!approvalId) {
      if (pending.length !== 1) {
        io.stderr(`error: run ${runId} has ${pending.length} pending approvals; name one (\`flightdeck runs approve --list --run ${runId}\`)\n`);
        return 1;
      }
      approvalId = pending[0]!.id;
    }
    // Bound to the args read here (and printed): if an edit changes them before the decision lands, it is a 409.
    const shown = pending.find((approval) => approval.id === approvalId);
    let editedArgs: Record<string, unknown> | undefined;
    if (values.args !== undefined) {
      try {
        editedArgs = JSON.parse(values.args) as Record<string, unknown>;
      } catch {
        io.stderr('error: --args must be a JSON object\n');
        return 2;
      }
    }
    const approval = await client.decideApproval(runId, approvalId, {
      decision: values.reject ? 'reject' : 'approve',
      ...(values.comment ? { comment: values.comment } : {}),
      ...(editedArgs ? { args: editedArgs } : {}),
      ...(shown ? { argsHash: shown.argsHash } : {}),
    });
    const forArgs = shown ? ` args ${JSON.stringify(shown.currentArgs)}` : '';
    print(io, values, { approval }, () => `${values.reject ? 'rejected' : 'approved'} ${approval.id}${forArgs} (status now: ${approval.status})\n`);
    return 0;
  },
};

export const runsCommands: CommandGroup = {
  name: 'runs',
  summary: 'start, list, inspect, follow, cancel, replay and fork runs',
  commands: [start, list, show, watch, cancel, message, approve, replay, fork],
};
