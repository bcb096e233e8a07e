import { z } from 'zod';
import { mcpShape } from './mcp-config';
import { mcpArgsSchema } from './mcp-args-schema';

const env = z.object(mcpShape);
const servers = (value: unknown) => env.safeParse({ FLIGHTDECK_MCP_SERVERS: typeof value === 'string' ? value : JSON.stringify(value) });

describe('FLIGHTDECK_MCP_SERVERS', () => {
  it('takes stdio and Streamable HTTP servers by name; unset is none', () => {
    const parsed = servers({
      fs: { command: 'npx', args: ['-y', 'server'], env: { A: 'b' } },
      'remote-1': { url: 'https://mcp.example/mcp', headers: { authorization: 'Bearer x' } },
    });
    expect(parsed.success && parsed.data.FLIGHTDECK_MCP_SERVERS).toEqual({
      fs: { command: 'npx', args: ['-y', 'server'], env: { A: 'b' } },
      'remote-1': { url: 'https://mcp.example/mcp', headers: { authorization: 'Bearer x' } },
    });
    expect(env.parse({}).FLIGHTDECK_MCP_SERVERS).toEqual({});
    expect(env.parse({}).FLIGHTDECK_MCP_MAX_RESULT_BYTES).toBe(4 * 1024 * 1024);
  });

  it.each([
    ['not JSON', '{fs:', 'is not JSON'],
    ['a name with a dot', { 'a.b': { command: 'x' } }, 'a.b'],
    ['both command and url', { fs: { command: 'x', url: 'https://a.example' } }, 'fs'],
    ['a non-http URL', { remote: { url: 'file:///etc/passwd' } }, 'remote'],
    ['an unknown field', { fs: { command: 'x', shell: true } }, 'fs'],
  ])('refuses %s, naming where', (_what, value, where) => {
    const parsed = servers(value);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message).join('\n')).toContain(where);
  });

  it('never repeats a header value in its issues', () => {
    const parsed = servers({
      remote: { url: 'https://a.example', headers: { authorization: 42 } },
      other: { url: 'https://b.example', headers: { 'x-key': 'secret-value', 'bad header': 'v' } },
    });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).not.toContain('secret-value');
  });
});

describe('MCP args schemas', () => {
  it('checks args with the server’s JSON Schema (draft-07 and 2020-12), one issue per problem', () => {
    const { schema } = mcpArgsSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { n: { type: 'integer' } },
      required: ['n', 'm'],
    });
    const issues = schema.safeParse({ n: 'one' }).error?.issues.map((issue) => [issue.path.join('.'), issue.message]);
    expect(issues).toEqual(
      expect.arrayContaining([
        ['m', "must have required property 'm'"],
        ['n', 'must be integer'],
      ]),
    );
    expect(schema.safeParse({ n: 1, m: 2 }).success).toBe(true);
    const modern = mcpArgsSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      prefixItems: [],
      properties: { at: { type: 'string', format: 'date-time' } },
    });
    expect(modern.problem).toBeNull();
    expect(modern.schema.safeParse({ at: 'yesterday' }).success).toBe(false);
  });

  it('falls back to any object when the schema does not compile, and says why', () => {
    const broken = mcpArgsSchema({ type: 'object', properties: { a: { $ref: '#/nowhere' } } });
    expect(broken.problem).toContain('nowhere');
    expect(broken.schema.safeParse({ a: 1 }).success).toBe(true);
  });
});
