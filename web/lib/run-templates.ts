/** Starting points for the start-a-run form: each fills the definition (plan or agent, and limits) and the input. */
export interface RunTemplate {
  id: string;
  label: string;
  name: string;
  tags: string[];
  input: Record<string, unknown>;
  definition: Record<string, unknown>;
}

export const runTemplates: RunTemplate[] = [
  {
    id: 'echo',
    label: 'Echo a message (one step)',
    name: 'hello',
    tags: ['demo'],
    input: { message: 'hello from the dashboard' },
    definition: { plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { message: '${input.message}' } }] } },
  },
  {
    id: 'chain',
    label: 'Two steps, the second reads the first',
    name: 'chain',
    tags: ['demo'],
    input: { user: { name: 'Ada' } },
    definition: {
      plan: {
        steps: [
          { id: 'greet', tool: 'builtin.echo', args: { greeting: 'Hello, ${input.user.name}' } },
          { id: 'pick', tool: 'builtin.json_transform', args: { value: '${steps.greet.output}', path: 'greeting' } },
        ],
      },
    },
  },
  {
    id: 'flaky',
    label: 'A flaky call that succeeds after retries',
    name: 'flaky',
    tags: ['demo', 'retries'],
    input: {},
    definition: { plan: { steps: [{ id: 'try', tool: 'builtin.flaky', args: { failures: 2 }, retry: { maxAttempts: 5, initialInterval: '200ms' } }] } },
  },
  {
    id: 'approval',
    label: 'A step that waits for approval',
    name: 'needs-approval',
    tags: ['demo', 'approval'],
    input: {},
    definition: { plan: { steps: [{ id: 'send', tool: 'builtin.echo', args: { message: 'deploy to production' }, approval: true }] } },
  },
  {
    id: 'wait',
    label: 'Wait a while (to try cancel)',
    name: 'slow',
    tags: ['demo'],
    input: {},
    definition: { plan: { steps: [{ id: 'wait', tool: 'builtin.wait', args: { seconds: 60 } }] } },
  },
  {
    id: 'chat',
    label: 'A conversational agent',
    name: 'chat',
    tags: ['demo', 'agent'],
    input: {},
    definition: {
      agent: {
        model: 'gpt-4o-mini',
        instructions: 'You are a helpful assistant. Use builtin__echo when asked to echo.',
        tools: ['builtin.echo'],
        conversational: true,
        idleTimeout: '10m',
      },
    },
  },
];
