import { collectReferences, conditionReferences, evaluateCondition, parseReference, resolveTemplates, TemplateError } from './templates';

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

  it('resolves ${item} and ${index} only in a forEach call, and names a skipped step', () => {
    const forEach = { item: { name: 'x' }, index: 2 };
    expect(resolveTemplates({ n: '${item.name}', i: '${index}', all: '${item}' }, { ...scope, forEach })).toEqual({ n: 'x', i: 2, all: { name: 'x' } });
    expect(() => resolveTemplates('${item}', scope)).toThrow(/only known in the args of a forEach step/);
    expect(() => resolveTemplates('${steps.gone.output}', { ...scope, skippedSteps: new Set(['gone']) })).toThrow(/which was skipped/);
    expect(parseReference('index.x')).toEqual({ error: expect.stringContaining('must start with') });
  });
});

describe('plan conditions (when)', () => {
  const scope = { input: { kind: 'refund', n: 3 }, stepOutputs: { a: { kind: 'refund', tags: ['x', 'y'], nested: { b: 1 } } }, skippedSteps: new Set(['s']) };

  it('compares JSON deeply after resolving templates', () => {
    expect(evaluateCondition({ equals: ['${steps.a.output.kind}', 'refund'] }, scope)).toBe(true);
    expect(evaluateCondition({ equals: ['${steps.a.output.tags}', ['x', 'y']] }, scope)).toBe(true);
    expect(evaluateCondition({ equals: ['${steps.a.output.nested}', { b: 1 }] }, scope)).toBe(true);
    expect(evaluateCondition({ equals: ['${steps.a.output.nested}', { b: 2 }] }, scope)).toBe(false);
    expect(evaluateCondition({ equals: ['${input.n}', '3'] }, scope)).toBe(false);
    expect(evaluateCondition({ equals: ['n=${input.n}', 'n=3'] }, scope)).toBe(true);
  });

  it('tells whether a path exists, a skipped step having no output; not, and, or', () => {
    expect(evaluateCondition({ exists: '${steps.a.output.nested.b}' }, scope)).toBe(true);
    expect(evaluateCondition({ exists: '${steps.a.output.missing}' }, scope)).toBe(false);
    expect(evaluateCondition({ exists: '${steps.s.output}' }, scope)).toBe(false);
    expect(evaluateCondition({ not: { exists: '${input.nope}' } }, scope)).toBe(true);
    // and / or stop at the deciding operand: the equals on a missing path is never resolved.
    expect(evaluateCondition({ and: [{ exists: '${input.nope}' }, { equals: ['${input.nope}', 1] }] }, scope)).toBe(false);
    expect(evaluateCondition({ or: [{ equals: ['${input.kind}', 'refund'] }, { equals: ['${input.nope}', 1] }] }, scope)).toBe(true);
    expect(() => evaluateCondition({ equals: ['${input.nope}', 1] }, scope)).toThrow(TemplateError);
  });

  it('finds the references of a condition with where they sit', () => {
    expect(conditionReferences({ and: [{ equals: ['${input.a}', 1] }, { not: { exists: '${steps.b.output}' } }] })).toEqual([
      { at: ['and', '0', 'equals', '0'], expression: 'input.a' },
      { at: ['and', '1', 'not', 'exists'], expression: 'steps.b.output' },
    ]);
  });
});
