import type { MiddlewareHandler } from 'hono';
import { ManageApiKeys, hashApiKey, systemClock, type AccessTransactions, type Actor, type EnsureAdminKeyOptions as CoreEnsureAdminKeyOptions, type EnsureAdminKeyResult, type Scope } from '@switchboard/core';
import type { HubEnv, Principal } from './hub-env.js';
import { problemResponse, titleFor } from './problem.js';

export type { Principal, EnsureAdminKeyResult };
// The key format and its hashing live in core (access); re-exported for the hub's callers.
export { API_KEY_PATTERN, apiKeyPrefix, generateApiKey, hashApiKey, type GeneratedApiKey } from '@switchboard/core';

/** The part of the Store port the access code uses; any `Store` is one. */
export type ApiKeyAccess = AccessTransactions;

const unauthorized = (detail: string, code: string): Response =>
  problemResponse(401, { title: titleFor(401), detail, code }, { 'www-authenticate': 'Bearer realm="switchboard"' });

export interface AuthenticateOptions {
  /** How long a verified key is trusted without reading the store again (revocation delay). */
  cacheTtlMs?: number;
  now?: () => number;
}

const MAX_CACHED_KEYS = 10_000;

/**
 * Requires `Authorization: Bearer <api key>` naming a stored, unrevoked key and sets
 * `c.var.principal`. Only valid keys are cached, so a new key works at once and a revoked one
 * stops working within `cacheTtlMs`.
 */
export const authenticate = (store: ApiKeyAccess | ManageApiKeys, options: AuthenticateOptions = {}): MiddlewareHandler<HubEnv> => {
  const keys = store instanceof ManageApiKeys ? store : new ManageApiKeys(store, systemClock);
  const ttlMs = Math.min(options.cacheTtlMs ?? 5000, 5000);
  const now = options.now ?? Date.now;
  const cache = new Map<string, { principal: Principal; expiresAt: number }>();
  // Requests that miss the cache at once (every request in flight, when a busy key's entry
  // expires) share one read of the store rather than each taking a connection for it.
  const verifying = new Map<string, Promise<Principal | null>>();
  const verify = (hash: string, key: string): Promise<Principal | null> => {
    let pending = verifying.get(hash);
    if (pending === undefined) {
      pending = keys.authenticate(key).finally(() => verifying.delete(hash));
      verifying.set(hash, pending);
    }
    return pending;
  };

  return async (c, next) => {
    const header = c.req.header('authorization');
    const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    const key = match?.[1];
    if (key === undefined) {
      return unauthorized('Send an API key as Authorization: Bearer <key>', 'AUTH.MISSING_API_KEY');
    }
    const hash = hashApiKey(key);
    const cached = cache.get(hash);
    let principal = cached !== undefined && cached.expiresAt > now() ? cached.principal : undefined;
    if (principal === undefined) {
      cache.delete(hash);
      const verified = await verify(hash, key);
      if (verified === null) return unauthorized('Invalid or revoked API key', 'AUTH.INVALID_API_KEY');
      principal = verified;
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

export interface EnsureAdminKeyOptions extends CoreEnsureAdminKeyOptions {
  now?: () => Date;
}

/** See `ManageApiKeys.ensureAdminKey`. */
export const ensureAdminKey = (store: ApiKeyAccess, options: EnsureAdminKeyOptions): Promise<EnsureAdminKeyResult> =>
  new ManageApiKeys(store, options.now === undefined ? systemClock : { now: options.now }).ensureAdminKey(options);
