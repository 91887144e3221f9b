import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';

// Swagger UI served from the installed package, so /docs works on a hub with no internet access.
const assetsDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
};
const ASSET_NAMES = Object.keys(ASSETS) as [string, ...string[]];

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Switchboard API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;

const init = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#docs', persistAuthorization: true });`;

const tags = ['docs'];
const notFound = { description: 'No such asset', content: { 'application/problem+json': { schema: z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string() }) } } };

/** `GET /openapi.json` itself, which `app.doc31()` serves but does not describe. */
export const openApiDocumentRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  tags,
  security: [],
  summary: 'This OpenAPI 3.1 document',
  responses: {
    200: { description: 'The document', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } },
  },
});

const pageRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'getApiDocs',
  tags,
  security: [],
  summary: 'Swagger UI for this document',
  responses: {
    200: { description: 'The HTML page', content: { 'text/html': { schema: z.string() } } },
  },
});

const initRoute = createRoute({
  method: 'get',
  path: '/init.js',
  operationId: 'getApiDocsScript',
  tags,
  security: [],
  summary: "The docs page's start-up script",
  responses: {
    200: { description: 'JavaScript', content: { 'text/javascript': { schema: z.string() } } },
  },
});

const assetRoute = createRoute({
  method: 'get',
  path: '/assets/{file}',
  operationId: 'getApiDocsAsset',
  tags,
  security: [],
  summary: "Swagger UI's stylesheet and scripts",
  request: { params: z.object({ file: z.enum(ASSET_NAMES).openapi({ param: { name: 'file', in: 'path' } }) }) },
  responses: {
    200: { description: 'The asset', content: { 'text/css': { schema: z.string() }, 'text/javascript': { schema: z.string() } } },
    404: notFound,
  },
});

// HTML and scripts do not fit typed JSON responses: register the docs, route by hand.
export const docsRoutes = () => {
  const app = new OpenAPIHono();
  for (const route of [pageRoute, initRoute, assetRoute]) app.openAPIRegistry.registerPath(route);
  return app
    .get('/', (c) => c.html(page))
    .get('/init.js', (c) => c.body(init, 200, { 'content-type': 'text/javascript; charset=utf-8' }))
    .get('/assets/:file', async (c) => {
      const file = c.req.param('file');
      const type = ASSETS[file];
      if (!type) return c.notFound();
      return c.body(await readFile(join(assetsDir, file)), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
    });
};
