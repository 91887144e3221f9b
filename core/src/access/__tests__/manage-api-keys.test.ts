import { describe, expect, it } from 'vitest';
import { DomainError } from '../../shared/domain-error.js';
import { newId } from '../../shared/ids.js';
import { allPages } from '../../shared/page.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { API_KEY_PATTERN, hashApiKey } from '../api-key-secret.js';
import { ManageApiKeys } from '../use-cases/manage-api-keys.use-case.js';

// The in-memory Store (it passes the store contract); `rows` reads every stored key back.
const memoryAccess = () => {
  const store = new InMemoryStore();
  return Object.assign(store, { rows: () => store.read((session) => allPages((page) => session.apiKeys.list(page))) });
};

const T0 = new Date('2026-01-01T00:00:00Z');
const clock = { now: () => T0 };
const agentId = newId();
const agents = { exists: async (id: string) => id === agentId };

const refusal = async (work: Promise<unknown>): Promise<DomainError> => {
  const error = await work.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
};

describe('ManageApiKeys', () => {
  it('creates a key, stores only its hash, and authenticates it to a principal', async () => {
    const store = memoryAccess();
    const keys = new ManageApiKeys(store, clock, agents);
    const { apiKey, secret } = await keys.create({ name: ' ops ', scopes: ['read', 'read', 'ingest'] });
    expect(secret).toMatch(API_KEY_PATTERN);
    expect(apiKey).toMatchObject({ name: 'ops', scopes: ['read', 'ingest'], agentId: null, createdAt: T0, revokedAt: null, hash: hashApiKey(secret) });
    expect(JSON.stringify(await store.rows())).not.toContain(secret);
    expect(await keys.authenticate(secret)).toEqual({ keyId: apiKey.id, name: 'ops', scopes: ['read', 'ingest'] });
    expect(await keys.authenticate(`${secret}x`)).toBeNull();
    expect(await keys.authenticate('x'.repeat(2000))).toBeNull();
  });

  it('binds a key to an existing agent; its principal carries the agent', async () => {
    const keys = new ManageApiKeys(memoryAccess(), clock, agents);
    const { apiKey, secret } = await keys.create({ name: 'ada', scopes: ['agent'], agentId });
    expect(apiKey.agentId).toBe(agentId);
    expect(await keys.authenticate(secret)).toMatchObject({ agentId });
  });

  it('refuses bad input naming the field, and stores nothing', async () => {
    const store = memoryAccess();
    const keys = new ManageApiKeys(store, clock, agents);
    expect(await refusal(keys.create({ name: '', scopes: ['read'] }))).toMatchObject({ kind: 'invalid', field: 'name' });
    expect(await refusal(keys.create({ name: 'x', scopes: [] }))).toMatchObject({ kind: 'invalid', field: 'scopes' });
    expect(await refusal(keys.create({ name: 'x', scopes: ['root'] }))).toMatchObject({ kind: 'invalid', field: 'scopes', code: 'API_KEY.UNKNOWN_SCOPE' });
    expect(await refusal(keys.create({ name: 'x', scopes: ['agent'], agentId: newId() }))).toMatchObject({ kind: 'invalid', field: 'agentId', code: 'API_KEY.AGENT_NOT_FOUND' });
    expect(await refusal(keys.create({ name: 'x', scopes: ['agent'], agentId: 'not-a-uuid' }))).toMatchObject({ field: 'agentId' });
    expect(await refusal(keys.create({ name: 'x', scopes: ['admin'], agentId }))).toMatchObject({ field: 'scopes', code: 'API_KEY.ADMIN_BOUND' });
    // without an agent directory nothing can be checked, so nothing is bound
    expect(await refusal(new ManageApiKeys(store, clock).create({ name: 'x', scopes: ['agent'], agentId }))).toMatchObject({ field: 'agentId' });
    expect(await store.rows()).toHaveLength(0);
  });

  it('revokes a key once; an unknown id is not found', async () => {
    const keys = new ManageApiKeys(memoryAccess(), clock, agents);
    const { apiKey, secret } = await keys.create({ name: 'short', scopes: ['read'] });
    const revoked = await keys.revoke(apiKey.id);
    expect(revoked.revokedAt).toEqual(T0);
    expect(await keys.authenticate(secret)).toBeNull();
    expect(await keys.revoke(apiKey.id)).toEqual(revoked);
    expect((await keys.listAll()).map((k) => k.revokedAt)).toEqual([T0]);
    expect(await refusal(keys.revoke(newId()))).toMatchObject({ kind: 'not_found', code: 'API_KEY.NOT_FOUND' });
  });
});
