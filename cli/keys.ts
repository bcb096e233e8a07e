import { roleSchema } from '../lib/run-spec';
import { clientFrom, parseCommandArgs, print, requirePositional, UsageError, type Command, type CommandGroup } from './command';
import { keysTable } from './format';

const tenantOption = { tenant: { type: 'string' } } as const;

const create: Command = {
  name: 'create',
  usage: ['keys create --name <name> --role <viewer|operator|approver|admin> [--tenant <id>]'],
  summary: 'create an API key; the key is printed this once (only its hash is stored)',
  async run(args, io) {
    const { values } = parseCommandArgs(args, { ...tenantOption, name: { type: 'string' }, role: { type: 'string' } }, { max: 0 });
    if (!values.name) throw new UsageError('missing --name');
    const role = roleSchema.safeParse(values.role);
    if (!role.success) throw new UsageError(`--role must be one of ${roleSchema.options.join(', ')}`);
    const created = await clientFrom(values, io).createKey({ name: values.name, role: role.data, tenantId: values.tenant });
    print(io, values, created, () => `${created.key}\n`);
    if (!values.json)
      io.stderr(`created ${created.apiKey.id} (${created.apiKey.role}, tenant ${created.apiKey.tenantId}); the key above is shown only this once\n`);
    return 0;
  },
};

const list: Command = {
  name: 'list',
  usage: ['keys list [--tenant <id>]'],
  summary: 'list the API keys of your tenant (or, with the bootstrap admin key, of --tenant)',
  async run(args, io) {
    const { values } = parseCommandArgs(args, tenantOption, { max: 0 });
    const keys = await clientFrom(values, io).listKeys(values.tenant);
    print(io, values, { keys }, () => (keys.length > 0 ? keysTable(keys) : 'no keys\n'));
    return 0;
  },
};

const revoke: Command = {
  name: 'revoke',
  usage: ['keys revoke <key-id> [--tenant <id>]'],
  summary: 'revoke an API key; it stops working at once',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, tenantOption, { max: 1 });
    const apiKey = await clientFrom(values, io).revokeKey(requirePositional(positionals, 0, 'key-id'), values.tenant);
    print(io, values, { apiKey }, () => `revoked ${apiKey.id} (${apiKey.name})\n`);
    return 0;
  },
};

export const keysCommands: CommandGroup = {
  name: 'keys',
  summary: 'manage API keys (admin role)',
  commands: [create, list, revoke],
};
