import { collectReferences, parseReference, resolveTemplates, TemplateError } from './templates';

describe('plan templates', () => {
  const scope = { input: { user: { name: 'Ada' }, n: 3 }, stepOutputs: { first: { id: 7, tags: ['a'] } } };

  it('takes a whole-string template as the raw value and interpolates the rest as text', () => {
    expect(
      resolveTemplates(
        { id: '${steps.first.output.id}', all: '${steps.first.output}', text: 'hi ${input.user.name} #${input.n}', list: ['${input.n}'] },
        scope,
      ),
    ).toEqual({ id: 7, all: { id: 7, tags: ['a'] }, text: 'hi Ada #3', list: [3] });
  });

  it('fails clearly when a reference does not resolve', () => {
    expect(() => resolveTemplates('${input.user.age}', scope)).toThrow(new TemplateError('${input.user.age} does not resolve: no "age"'));
    expect(() => resolveTemplates('${steps.later.output}', scope)).toThrow(/has not run/);
  });

  it('parses references and finds them with their location', () => {
    expect(parseReference('steps.a.output.x.y')).toEqual({ kind: 'step', stepId: 'a', path: ['x', 'y'] });
    expect(parseReference('input')).toEqual({ kind: 'input', path: [] });
    expect(parseReference('env.HOME')).toEqual({ error: expect.stringContaining('must start with') });
    expect(parseReference('steps.a.result')).toEqual({ error: expect.stringContaining('output') });
    expect(collectReferences({ a: ['x ${input.q}', { b: '${steps.s.output}' }] })).toEqual([
      { at: ['a', '0'], expression: 'input.q' },
      { at: ['a', '1', 'b'], expression: 'steps.s.output' },
    ]);
  });
});
