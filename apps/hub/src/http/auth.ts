import { createHash, randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { allPages, newId, type Actor, type ApiKey, type Scope, type StoreSession } from '@switchboard/core';
import type { HubEnv, Principal } from './hub-env.js';
import { problemResponse, titleFor } from './problem.js';

export type { Principal };

/** `sbk_<8 hex prefix>_<base64url secret>`: the prefix is shown in listings, the rest never again. */
export const API_KEY_PATTERN = /^sbk_([0-9a-f]{8})_[A-Za-z0-9_-]{43,}$/;

export interface GeneratedApiKey {
  /** The whole key: shown once, never stored. */
  key: string;
  prefix: string;
  /** SHA-256 (hex) of the whole key: what is stored. */
  hash: string;
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export const generateApiKey = (): GeneratedApiKey => {
  const prefix = randomBytes(4).toString('hex');
  const key = `sbk_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
};

/** The part of a key safe to show: the hex prefix of our format, else only its first characters. */
export const apiKeyPrefix = (key: string): string => API_KEY_PATTERN.exec(key)?.[1] ?? key.slice(0, 4);

/** The part of the Store port the access code uses; any `Store` is one. */
export interface ApiKeyAccess {
  transaction<T>(work: (session: Pick<StoreSession, 'apiKeys' | 'lock'>) => Promise<T>): Promise<T>;
  read<T>(work: (session: Pick<StoreSession, 'apiKeys'>) => Promise<T>): Promise<T>;
}

const unauthorized = (detail: string, code: string): Response =>
  problemResponse(401, { title: titleFor(401), detail, code }, { 'www-authenticate': 'Bearer realm="switchboard"' });

export interface AuthenticateOptions {
  /** How long a verified key is trusted without reading the store again (revocation delay). */
  cacheTtlMs?: number;
  now?: () => number;
}

const MAX_CACHED_KEYS = 10_000;
const MAX_KEY_LENGTH = 1024;

/**
 * Requires `Authorization: Bearer <api key>` naming a stored, unrevoked key and sets
 * `c.var.principal`. Only valid keys are cached, so a new key works at once and a revoked one
 * stops working within `cacheTtlMs`.
 */
export const authenticate = (store: ApiKeyAccess, options: AuthenticateOptions = {}): MiddlewareHandler<HubEnv> => {
  const ttlMs = Math.min(options.cacheTtlMs ?? 5000, 5000);
  const now = options.now ?? Date.now;
  const cache = new Map<string, { principal: Principal; expiresAt: number }>();

  return async (c, next) => {
    const header = c.req.header('authorization');
    const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    const key = match?.[1];
    if (key === undefined) {
      return unauthorized('Send an API key as Authorization: Bearer <key>', 'AUTH.MISSING_API_KEY');
    }
    if (key.length > MAX_KEY_LENGTH) return unauthorized('Invalid or revoked API key', 'AUTH.INVALID_API_KEY');

    const hash = hashApiKey(key);
    const cached = cache.get(hash);
    let principal = cached !== undefined && cached.expiresAt > now() ? cached.principal : undefined;
    if (principal === undefined) {
      cache.delete(hash);
      const stored = await store.read((session) => session.apiKeys.findByHash(hash));
      if (stored === null || stored.revokedAt !== null) {
        return unauthorized('Invalid or revoked API key', 'AUTH.INVALID_API_KEY');
      }
      principal = { keyId: stored.id, name: stored.name, scopes: [...stored.scopes] };
      // Bounded: a flood of distinct valid keys cannot grow memory without limit.
      if (cache.size >= MAX_CACHED_KEYS) cache.clear();
      cache.set(hash, { principal, expiresAt: now() + ttlMs });
    }
    c.set('principal', principal);
    await next();
    return undefined;
  };
};

/** Who acts for a request: the agent its key is bound to, else an operator who may act for any agent. */
export const actorOf = (principal: Principal): Actor => (principal.agentId === undefined ? { kind: 'operator' } : { kind: 'agent', agentId: principal.agentId });

/** Lets the request through when the principal holds one of `scopes`, or `admin`. */
export const requireScope = (...scopes: Scope[]): MiddlewareHandler<HubEnv> => {
  return async (c, next) => {
    // Typed as always set, but a router mounted without authenticate() has none.
    const principal: Principal | undefined = c.get('principal');
    if (principal === undefined) return unauthorized('Send an API key as Authorization: Bearer <key>', 'AUTH.MISSING_API_KEY');
    if (!principal.scopes.some((scope) => scope === 'admin' || scopes.includes(scope))) {
      return problemResponse(403, {
        title: titleFor(403),
        detail: `This API key lacks the scope for this call; it needs one of: ${[...scopes, 'admin'].join(', ')}`,
        code: 'AUTH.MISSING_SCOPE',
      });
    }
    await next();
    return undefined;
  };
};

export interface EnsureAdminKeyOptions {
  /** SWITCHBOARD_ADMIN_KEY: stored (hashed) as the `bootstrap` admin key if not there yet. */
  adminKey?: string;
  /** Where a generated key is shown, once (stdout, not the log). */
  print(line: string): void;
  now?: () => Date;
}

export type EnsureAdminKeyResult = 'present' | 'stored' | 'generated';

/**
 * Makes sure the hub can be administered: stores the configured bootstrap key, or on first start
 * generates one, prints it once and stores only its hash.
 */
export const ensureAdminKey = async (store: ApiKeyAccess, options: EnsureAdminKeyOptions): Promise<EnsureAdminKeyResult> => {
  const now = options.now ?? (() => new Date());
  const adminKey = options.adminKey;
  const record = (name: string, prefix: string, hash: string): ApiKey => ({
    id: newId(),
    name,
    prefix,
    hash,
    scopes: ['admin'],
    createdAt: now(),
    revokedAt: null,
  });

  if (adminKey !== undefined && adminKey !== '') {
    const hash = hashApiKey(adminKey);
    return store.transaction(async (session) => {
      // Several hub processes may boot at once: one of them writes.
      await session.lock('access.bootstrap-admin-key');
      if ((await session.apiKeys.findByHash(hash)) !== null) return 'present';
      await session.apiKeys.insert(record('bootstrap', apiKeyPrefix(adminKey), hash));
      return 'stored';
    });
  }

  const generated = generateApiKey();
  const result = await store.transaction(async (session) => {
    await session.lock('access.bootstrap-admin-key');
    const keys = await allPages((page) => session.apiKeys.list(page));
    if (keys.some((key) => key.revokedAt === null && key.scopes.includes('admin'))) return 'present';
    await session.apiKeys.insert(record('admin', generated.prefix, generated.hash));
    return 'generated';
  });
  // Printed only after commit, so a shown key always works.
  if (result === 'generated') options.print(`Switchboard admin API key (shown once): ${generated.key}`);
  return result;
};
