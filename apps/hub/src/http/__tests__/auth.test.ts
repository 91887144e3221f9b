import type { ApiKey, ApiKeyRepository, Scope } from '@switchboard/core';
import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  API_KEY_PATTERN,
  type ApiKeyAccess,
  authenticate,
  ensureAdminKey,
  generateApiKey,
  hashApiKey,
  requireScope,
} from '../auth.js';
import type { HubEnv } from '../openapi-router.js';

// A Map behind the one repository these middlewares use keeps these tests fast;
// auth.embedded-store.test.ts runs the same flow against the real embedded store.
class MapApiKeyRepository implements ApiKeyRepository {
  readonly rows = new Map<string, ApiKey>();
  reads = 0;
  async insert(key: ApiKey) {
    this.rows.set(key.id, { ...key });
  }
  async findByHash(hash: string) {
    this.reads += 1;
    return [...this.rows.values()].find((key) => key.hash === hash) ?? null;
  }
  // one page holds every key these tests make
  async list() {
    return { items: [...this.rows.values()], nextCursor: null };
  }
  async update(key: ApiKey) {
    this.rows.set(key.id, { ...key });
  }
}

const mapStore = (apiKeys: MapApiKeyRepository): { store: ApiKeyAccess; locks: string[] } => {
  const locks: string[] = [];
  const session = { apiKeys, lock: async (key: string) => void locks.push(key) };
  const store: ApiKeyAccess = {
    transaction: (work) => work(session),
    read: (work) => work(session),
  };
  return { store, locks };
};

let repo: MapApiKeyRepository;
let store: ApiKeyAccess;
let locks: string[];

beforeEach(() => {
  repo = new MapApiKeyRepository();
  ({ store, locks } = mapStore(repo));
});

const addKey = async (name: string, scopes: Scope[], revoked = false) => {
  const generated = generateApiKey();
  await repo.insert({
    id: `id-${name}`,
    name,
    prefix: generated.prefix,
    hash: generated.hash,
    scopes,
    agentId: null,
    createdAt: new Date(),
    revokedAt: revoked ? new Date() : null,
  });
  return generated.key;
};

const appWith = (clock = { now: 0 }) => {
  const app = new Hono<HubEnv>();
  app.use('/v1/*', authenticate(store, { now: () => clock.now }));
  app.get('/v1/whoami', (c) => c.json(c.var.principal));
  app.post('/v1/inbound', requireScope('ingest'), (c) => c.json({ ok: true }, 202));
  app.get('/v1/read-or-agent', requireScope('read', 'agent'), (c) => c.json({ ok: true }));
  return app;
};

const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

describe('generateApiKey / hashApiKey', () => {
  it('makes sbk_<8 hex>_<43+ base64url> keys, hashed with SHA-256 of the whole key', () => {
    const { key, prefix, hash } = generateApiKey();
    expect(key).toMatch(API_KEY_PATTERN);
    expect(key.startsWith(`sbk_${prefix}_`)).toBe(true);
    expect(prefix).toMatch(/^[0-9a-f]{8}$/);
    expect(key.split('_').slice(2).join('_').length).toBeGreaterThanOrEqual(43);
    expect(hash).toBe(hashApiKey(key));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(generateApiKey().key).not.toBe(key);
  });
});

describe('authenticate', () => {
  it('answers 401 problem+json without an Authorization header', async () => {
    const response = await appWith().request('/v1/whoami');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    expect(await response.json()).toMatchObject({ status: 401, code: 'AUTH.MISSING_API_KEY' });
  });

  it.each([['Basic dXNlcjpwYXNz'], ['Bearer'], ['Bearer sbk_00000000_unknownkeyunknownkeyunknownkeyunknownkey12345']])(
    'answers 401 for %s',
    async (authorization) => {
      const response = await appWith().request('/v1/whoami', { headers: { authorization } });
      expect(response.status).toBe(401);
    },
  );

  it('answers 401 for a revoked key', async () => {
    const key = await addKey('old', ['admin'], true);
    const response = await appWith().request('/v1/whoami', bearer(key));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'AUTH.INVALID_API_KEY', detail: 'Invalid or revoked API key' });
  });

  it('sets the principal for a valid key', async () => {
    const key = await addKey('reader', ['read']);
    const response = await appWith().request('/v1/whoami', bearer(key));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ keyId: 'id-reader', name: 'reader', scopes: ['read'] });
  });

  it('caches a verified key for at most 5 s, so revocation takes effect after that', async () => {
    const key = await addKey('ingester', ['ingest']);
    const clock = { now: 1_000 };
    const app = appWith(clock);
    expect((await app.request('/v1/whoami', bearer(key))).status).toBe(200);
    expect((await app.request('/v1/whoami', bearer(key))).status).toBe(200);
    expect(repo.reads).toBe(1);

    const stored = await repo.findByHash(hashApiKey(key));
    if (stored === null) throw new Error('key not stored');
    await repo.update({ ...stored, revokedAt: new Date() });
    clock.now += 4_000;
    expect((await app.request('/v1/whoami', bearer(key))).status).toBe(200);
    clock.now += 1_001;
    expect((await app.request('/v1/whoami', bearer(key))).status).toBe(401);
  });

  it('reads the store once for requests that miss the cache together, and again once they are answered', async () => {
    const key = await addKey('busy', ['ingest']);
    const other = await addKey('other', ['read']);
    const clock = { now: 1_000 };
    const app = appWith(clock);
    const answers = await Promise.all([...Array.from({ length: 8 }, () => app.request('/v1/whoami', bearer(key))), app.request('/v1/whoami', bearer(other))]);
    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 9 }, () => 200));
    expect(await answers[0]!.json()).toMatchObject({ name: 'busy' });
    expect(await answers[8]!.json()).toMatchObject({ name: 'other' });
    expect(repo.reads).toBe(2);

    // Nothing is kept beyond the cache: once the entry expires, a revoked key is refused.
    const stored = await repo.findByHash(hashApiKey(key));
    if (stored === null) throw new Error('key not stored');
    await repo.update({ ...stored, revokedAt: new Date() });
    clock.now += 5_001;
    const later = await Promise.all(Array.from({ length: 4 }, () => app.request('/v1/whoami', bearer(key))));
    expect(later.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect(repo.reads).toBe(4);
  });
});

describe('requireScope', () => {
  it('answers 403 problem+json when the key lacks the scope', async () => {
    const key = await addKey('reader', ['read']);
    const response = await appWith().request('/v1/inbound', { method: 'POST', ...bearer(key) });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      status: 403,
      code: 'AUTH.MISSING_SCOPE',
      detail: 'This API key lacks the scope for this call; it needs one of: ingest, admin',
    });
  });

  it('lets a key with the scope, one of the scopes, or admin through', async () => {
    const ingest = await addKey('ingest', ['ingest']);
    const agent = await addKey('agent', ['agent']);
    const admin = await addKey('admin', ['admin']);
    const app = appWith();
    expect((await app.request('/v1/inbound', { method: 'POST', ...bearer(ingest) })).status).toBe(202);
    expect((await app.request('/v1/read-or-agent', bearer(agent))).status).toBe(200);
    expect((await app.request('/v1/inbound', { method: 'POST', ...bearer(admin) })).status).toBe(202);
    expect((await app.request('/v1/read-or-agent', bearer(ingest))).status).toBe(403);
  });

  it('answers 401 when no principal was set', async () => {
    const app = new Hono<HubEnv>();
    app.get('/open', requireScope('read'), (c) => c.text('no'));
    expect((await app.request('/open')).status).toBe(401);
  });
});

describe('ensureAdminKey', () => {
  it('generates an admin key on first start, prints it once and stores only its hash', async () => {
    const printed: string[] = [];
    expect(await ensureAdminKey(store, { print: (line) => printed.push(line) })).toBe('generated');
    expect(printed).toHaveLength(1);
    const key = /^Switchboard admin API key \(shown once\): (sbk_\S+)$/.exec(printed[0] ?? '')?.[1];
    expect(key).toMatch(API_KEY_PATTERN);
    const [stored, ...others] = repo.rows.values();
    expect(others).toHaveLength(0);
    expect(stored).toMatchObject({ name: 'admin', scopes: ['admin'], hash: hashApiKey(key ?? ''), revokedAt: null });
    expect(JSON.stringify(stored)).not.toContain(key);
    expect(locks).toEqual(['access.bootstrap-admin-key']);

    // Second start: an admin key exists, nothing is printed.
    expect(await ensureAdminKey(store, { print: (line) => printed.push(line) })).toBe('present');
    expect(printed).toHaveLength(1);

    const response = await appWith().request('/v1/inbound', { method: 'POST', ...bearer(key ?? '') });
    expect(response.status).toBe(202);
  });

  it('stores SWITCHBOARD_ADMIN_KEY as the bootstrap key if absent, without printing it', async () => {
    const printed: string[] = [];
    const adminKey = 'operator-chosen-admin-key-0123456789';
    expect(await ensureAdminKey(store, { adminKey, print: (line) => printed.push(line) })).toBe('stored');
    expect(await ensureAdminKey(store, { adminKey, print: (line) => printed.push(line) })).toBe('present');
    expect(printed).toEqual([]);
    expect([...repo.rows.values()]).toEqual([
      expect.objectContaining({ name: 'bootstrap', scopes: ['admin'], hash: hashApiKey(adminKey), prefix: 'oper' }),
    ]);
    const response = await appWith().request('/v1/whoami', bearer(adminKey));
    expect(await response.json()).toMatchObject({ name: 'bootstrap', scopes: ['admin'] });
  });

  it('generates none when a non-revoked admin key exists', async () => {
    await addKey('ops', ['admin']);
    const printed: string[] = [];
    expect(await ensureAdminKey(store, { print: (line) => printed.push(line) })).toBe('present');
    expect(printed).toEqual([]);
  });
});
