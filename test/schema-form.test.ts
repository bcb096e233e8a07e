/** The dashboard's definition form: fields from a definition's input JSON Schema, checked with that schema. */
import { z } from 'zod';
import { checkInput, fieldsOf, inputFrom } from '../web/lib/schema-form';

const schema = z.object({
  word: z.string().min(1).describe('What to echo'),
  times: z.number().int().min(1).max(5).default(2),
  loud: z.boolean().optional(),
  tone: z.enum(['calm', 'urgent']),
  extra: z.object({ note: z.string() }).optional(),
});
const jsonSchema = z.toJSONSchema(schema, { io: 'input' });

describe('definition input form', () => {
  it('has a control per property, of the kind its schema says', () => {
    expect(fieldsOf(jsonSchema)).toEqual([
      { key: 'word', kind: 'text', label: 'word', required: true, description: 'What to echo' },
      { key: 'times', kind: 'integer', label: 'times', required: false, initial: '2' },
      { key: 'loud', kind: 'boolean', label: 'loud', required: false },
      { key: 'tone', kind: 'choice', label: 'tone', required: true, choices: ['calm', 'urgent'] },
      { key: 'extra', kind: 'json', label: 'extra', required: false },
    ]);
    expect(fieldsOf(z.toJSONSchema(z.array(z.string())))).toBeNull();
  });

  it('turns values into the input, leaving empty optional ones out, and names bad JSON at its field', () => {
    const fields = fieldsOf(jsonSchema)!;
    expect(inputFrom(fields, { word: 'hi', times: '', loud: true, tone: 'calm', extra: '{"note":"n"}' })).toEqual({
      input: { word: 'hi', loud: true, tone: 'calm', extra: { note: 'n' } },
      problems: {},
    });
    expect(inputFrom(fields, { word: 'hi', tone: 'calm', extra: '{nope' }).problems.extra?.[0]).toMatch(/^not valid JSON/);
  });

  it('refuses what the definition refuses, at the field, and accepts what it accepts', () => {
    const fields = fieldsOf(jsonSchema)!;
    const bad = inputFrom(fields, { word: '', times: '9', tone: 'calm', extra: '{"note":1}' }).input;
    expect(schema.safeParse(bad).success).toBe(false);
    const problems = checkInput(jsonSchema, bad)!;
    expect(Object.keys(problems).sort()).toEqual(['extra', 'times', 'word']);
    expect(problems.extra?.[0]).toMatch(/^note: /);
    const good = inputFrom(fields, { word: 'hi', times: '3', tone: 'urgent' }).input;
    expect(schema.safeParse(good).success).toBe(true);
    expect(checkInput(jsonSchema, good)).toBeNull();
  });
});
