import type { Store } from '@switchboard/core';
import { createEmbeddedStore } from '@switchboard/storage-postgres';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate, ensureAdminKey, hashApiKey, requireScope } from '../auth.js';
import type { HubEnv } from '../openapi-router.js';

// The same middlewares against the real embedded store (PGlite in memory).
let store: Store;

beforeAll(async () => {
  store = createEmbeddedStore({ dataDir: 'memory://' });
  await store.migrate();
});
afterAll(async () => {
  await store.close();
});

describe('auth against the embedded store', () => {
  it('bootstraps an admin key, authenticates it, refuses other scopes’ calls and revoked keys', async () => {
    const printed: string[] = [];
    expect(await ensureAdminKey(store, { print: (line) => printed.push(line) })).toBe('generated');
    expect(await ensureAdminKey(store, { print: (line) => printed.push(line) })).toBe('present');
    const key = printed[0]?.split(': ')[1] ?? '';

    const app = new Hono<HubEnv>();
    app.use('/v1/*', authenticate(store, { cacheTtlMs: 0 }));
    app.get('/v1/whoami', requireScope('read'), (c) => c.json(c.var.principal));

    expect((await app.request('/v1/whoami')).status).toBe(401);
    const ok = await app.request('/v1/whoami', { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ name: 'admin', scopes: ['admin'] });

    const stored = await store.read((session) => session.apiKeys.findByHash(hashApiKey(key)));
    if (stored === null) throw new Error('admin key not stored');
    expect(stored.hash).not.toContain(key);
    await store.transaction((session) => session.apiKeys.update({ ...stored, revokedAt: new Date() }));
    expect((await app.request('/v1/whoami', { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });
});
