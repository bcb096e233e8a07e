import path from 'node:path';
import { apiReference } from '@scalar/express-api-reference';
import type { Request } from 'express';
import { noFramingHeaders } from '../../lib/frame-headers';
import { defineRoute } from '../route-contract';
import type { OpenApiDocument } from '../openapi';

export interface DocsDeps {
  openApiDocument: OpenApiDocument;
}

const openApiPath = '/v1/openapi.json';
const referenceScriptPath = '/docs/scalar.js';

/** Scalar's single-file browser bundle, served by us so the reference works offline (no CDN). */
const referenceScriptFile = path.join(path.dirname(require.resolve('@scalar/api-reference')), 'browser', 'standalone.js');

const referencePage = apiReference({
  url: openApiPath,
  cdn: referenceScriptPath,
  pageTitle: 'Flightdeck API reference',
  // Nothing leaves for scalar.com: the default fonts (fonts.scalar.com), telemetry and the AI agent are off.
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
});

/** The OpenAPI document and an interactive reference built from it: public, like the probes (they hold no tenant data). */
export const docsRoutes = [
  defineRoute({
    method: 'get',
    path: openApiPath,
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI document',
    role: 'public',
    success: { status: 200, description: 'OpenAPI 3.1, generated from the route declarations' },
    errors: [],
    handler: (_call, deps: DocsDeps) => ({ json: deps.openApiDocument }),
  }),
  defineRoute({
    method: 'get',
    path: '/docs',
    operationId: 'getApiReference',
    summary: 'Interactive API reference (Scalar) for this document',
    role: 'public',
    success: { status: 200, description: 'an HTML page', contentType: 'text/html' },
    errors: [],
    // The page is rendered whole; Scalar's handler never calls next.
    handler: ({ request, response }) => {
      for (const { key, value } of noFramingHeaders) response.setHeader(key, value);
      void referencePage(request as Request<never>, response, () => undefined);
    },
  }),
  defineRoute({
    method: 'get',
    path: referenceScriptPath,
    operationId: 'getApiReferenceScript',
    summary: "The API reference's script (Scalar's standalone bundle)",
    role: 'public',
    success: { status: 200, description: 'JavaScript', contentType: 'text/javascript' },
    errors: [],
    handler: ({ response }) => response.type('text/javascript').sendFile(referenceScriptFile, { maxAge: '1d' }),
  }),
];
