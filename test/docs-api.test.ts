/**
 * docs/api.md keeps up with the API: every operation of the OpenAPI document (built from the route
 * declarations, as the app builds it) is named there as `METHOD /path`, and every server frame type
 * of the ws stream has an example there that the stream's own schemas accept.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument } from '../api/openapi';
import { restRoutes } from '../api/routes';
import { ClientFrame, ServerFrame } from '../lib/stream';

const chapter = readFileSync(path.join(__dirname, '..', 'docs', 'api.md'), 'utf8');
const document = buildOpenApiDocument(restRoutes, { version: '0.0.0-test' });

/** The JSON blocks the chapter marks with `<!-- <marker> -->` on the line before their fence. */
const markedExamples = (marker: string): unknown[] =>
  [...chapter.matchAll(new RegExp(`<!-- ${marker} -->\\n\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``, 'g'))].map((match) => JSON.parse(match[1]!) as unknown);

describe('docs/api.md', () => {
  it('names every route of the OpenAPI document as `METHOD /path`', () => {
    const operations = Object.entries(document.paths).flatMap(([documentedPath, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${documentedPath.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(operations.length).toBe(restRoutes.length);
    expect(operations.filter((operation) => !chapter.includes(`\`${operation}\``))).toEqual([]);
  });

  it('shows an example of every server frame type, each one the stream schema accepts', () => {
    const frameTypes = ServerFrame.options.map((option) => option.shape.type.value);
    const examples = markedExamples('server-frame');
    const invalid = examples.filter((example) => !ServerFrame.safeParse(example).success);
    expect(invalid).toEqual([]);
    const shown = new Set(examples.map((example) => (example as { type: string }).type));
    expect(frameTypes.filter((type) => !shown.has(type))).toEqual([]);
  });

  it('shows client frames the stream schema accepts', () => {
    const examples = markedExamples('client-frame');
    expect(examples.length).toBeGreaterThan(0);
    expect(examples.filter((example) => !ClientFrame.safeParse(example).success)).toEqual([]);
  });
});
