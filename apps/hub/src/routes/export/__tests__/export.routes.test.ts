import { Hono } from 'hono';
import { restoreHub, type Logger, type StoreSession } from '@switchboard/core';
import { aChain, aConversation, aCustomer, InMemoryStore } from '@switchboard/core/testing';
import { describe, expect, it } from 'vitest';
import type { HubEnv } from '../../../http/hub-env.js';
import { exportRoutes } from '../export.routes.js';

const errors: string[] = [];
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (_fields, message) => void errors.push(message),
  child: () => logger,
};

const appWith = (store: InMemoryStore, scopes: ('admin' | 'read')[]) => {
  const app = new Hono<HubEnv>();
  app.use('*', async (c, next) => {
    c.set('principal', { keyId: 'k', name: 'test', scopes });
    await next();
  });
  app.route('/v1/export', exportRoutes({ store, clock: { now: () => new Date('2026-12-01T10:00:00.000Z') }, logger, hubVersion: '9.9.9' }));
  return app;
};

const aHub = async (entries: number): Promise<InMemoryStore> => {
  const store = new InMemoryStore();
  const customer = aCustomer();
  const conversation = aConversation({ customerId: customer.id });
  await store.transaction(async (s) => {
    await s.customers.insert(customer);
    await s.conversations.insert(conversation);
    await s.interactions.insertMany(aChain(entries, () => ({ conversationId: conversation.id, customerId: customer.id })));
  });
  return store;
};

const lines = (text: string) => () =>
  (async function* () {
    yield* text.trimEnd().split('\n');
  })();

describe('GET /v1/export', () => {
  it('streams the hub as x-ndjson that restores into an empty hub', async () => {
    const response = await appWith(await aHub(1200), ['admin']).request('/v1/export');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="switchboard-export-20261201T100000Z.jsonl"');
    const text = await response.text();
    expect(JSON.parse(text.split('\n')[0]!)).toMatchObject({ type: 'header', hubVersion: '9.9.9', counts: { interaction: 1200 } });
    const restored = await restoreHub(new InMemoryStore(), lines(text));
    expect(restored.counts).toMatchObject({ customer: 1, conversation: 1, interaction: 1200 });
  });

  it('is for admin keys only', async () => {
    const response = await appWith(await aHub(1), ['read']).request('/v1/export');
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'AUTH.MISSING_SCOPE' });
  });

  it('cuts the answer when the store fails midway, so the file lacks its trailer and is refused', async () => {
    const store = await aHub(1200);
    let reads = 0;
    const read = store.read.bind(store);
    // The third page read fails: the answer has begun by then.
    store.read = (<T,>(work: (session: StoreSession) => Promise<T>) => (++reads === 3 ? Promise.reject(new Error('connection terminated')) : read(work))) as typeof store.read;
    const response = await appWith(store, ['admin']).request('/v1/export');
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow('connection terminated');
    expect(errors).toContain('export failed while streaming; the answer was cut off');
  });
});
