import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startHub } from './hub-fixture.js';

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; schema?: { enum?: string[] } }[];
}
type Document = { paths: Record<string, Record<string, Operation>> } & Record<string, unknown>;

const DOCUMENT_REF = '/openapi.json';

// Operations that take no input and so have no 4xx answer to describe; Redocly's
// operation-4xx-response expects one on every operation. Ignored by pointer, so a new one still warns.
const NO_CLIENT_ERROR = ['/healthz', '/readyz', '/openapi.json', '/docs', '/docs/init.js'].map(
  (path) => `#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/get/responses`,
);

let hub: Awaited<ReturnType<typeof startHub>>;
let document: Document;

beforeAll(async () => {
  hub = await startHub({ callbackUrl: 'http://127.0.0.1:9/unused' });
  const served = await hub.hub.fetch(new Request(`http://hub.test${DOCUMENT_REF}`));
  expect(served.status).toBe(200);
  document = (await served.json()) as Document;
}, 60_000);

afterAll(async () => {
  await hub?.stop();
});

const operations = () =>
  Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })));

// A concrete URL for a documented path: a fresh id, or the first value a parameter allows.
const urlFor = (path: string, operation: Operation) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => operation.parameters?.find((p) => p.name === name)?.schema?.enum?.[0] ?? crypto.randomUUID());

describe('the OpenAPI document the hub serves', () => {
  it("passes Redocly's recommended ruleset with no error and no warning", async () => {
    const config = await createConfig(
      {
        extends: ['recommended'],
        // The project declares no licence (private package, no LICENSE file): the document must not invent one.
        rules: { 'info-license': 'off', 'info-license-strict': 'off' },
      },
      { ignore: { [DOCUMENT_REF]: { 'operation-4xx-response': new Set(NO_CLIENT_ERROR) } } },
    );
    const problems = await lintFromString({ source: JSON.stringify(document), absoluteRef: DOCUMENT_REF, config });
    const reported = problems.filter((p) => p.ignored !== true).map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`);
    expect(reported).toEqual([]);
    // The exceptions are still needed: each one matched a problem.
    expect(problems.filter((p) => p.ignored === true).map((p) => p.location[0]?.pointer).sort()).toEqual([...NO_CLIENT_ERROR].sort());
  });

  it('gives every operation a unique camelCase operationId', () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(ids.length).toBeGreaterThan(30);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['ingestInbound', 'listConversations', 'acceptOffer', 'getLiveness', 'getMetrics', 'pluginWebhookPostInbound']));
  });

  it('names the hub as its server', () => {
    expect(document['servers']).toEqual([{ url: '/', description: expect.any(String) }]);
  });

  it('describes the routes served beside the API: health, metrics, the document, the docs, plugin endpoints', () => {
    const described = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(described).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'GET /openapi.json',
        'GET /docs',
        'GET /docs/init.js',
        'GET /docs/assets/{file}',
        'POST /plugins/webhook/inbound',
      ]),
    );
  });

  it('describes only routes the hub serves, and the open ones answer without a key', async () => {
    for (const { path, method, operation } of operations()) {
      const open = operation.security?.some((requirement) => Object.keys(requirement).length === 0) === true;
      const headers: Record<string, string> = open ? {} : { authorization: `Bearer ${ADMIN_KEY}` };
      // No body: nothing is changed, ids are fresh; a served route answers anything but "no route".
      const response = await hub.hub.fetch(new Request(`http://hub.test${urlFor(path, operation)}`, { method: method.toUpperCase(), headers }));
      // A stream (GET /v1/events) never ends: that it started is the answer.
      const streaming = response.headers.get('content-type')?.includes('text/event-stream') === true;
      if (streaming) await response.body?.cancel();
      const text = streaming ? '' : await response.text();
      const what = `${method.toUpperCase()} ${path} → ${response.status} ${text.slice(0, 120)}`;
      expect(text, what).not.toContain('ROUTE_NOT_FOUND');
      expect(response.status, what).not.toBe(401);
      expect(response.status, what).not.toBe(405);
    }
  });

  it('answers an unknown route with a 404 problem', async () => {
    for (const path of ['/v1/nothing-here', '/nothing-here', '/docs/assets/nothing.js']) {
      const response = await hub.hub.fetch(new Request(`http://hub.test${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }));
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});
