import { invalid, notFound } from '../../shared/domain-error.js';
import { isId, newId } from '../../shared/ids.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import { SCOPES, principalOf, type ApiKey, type ApiKeyPrincipal, type Scope } from '../api-key.entity.js';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../api-key-secret.js';
import type { AgentDirectory } from '../ports/agent-directory.port.js';
import type { AccessTransactions } from '../ports/api-key-store.port.js';
import { allPages, type Page, type PageRequest } from '../../shared/page.js';

export interface CreateApiKeyCommand {
  name: string;
  scopes: readonly string[];
  /** Binds the key to this agent: it then acts only as that agent. */
  agentId?: string | null | undefined;
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The whole key: returned once, never stored. */
  secret: string;
}

export interface EnsureAdminKeyOptions {
  /** SWITCHBOARD_ADMIN_KEY: stored (hashed) as the `bootstrap` admin key if not there yet. */
  adminKey?: string | undefined;
  /** Where a generated key is shown, once (stdout, not the log). */
  print(line: string): void;
}

export type EnsureAdminKeyResult = 'present' | 'stored' | 'generated';

const BOOTSTRAP_LOCK = 'access.bootstrap-admin-key';
const MAX_KEY_LENGTH = 1024;
const MAX_NAME_LENGTH = 100;

const isScope = (value: string): value is Scope => SCOPES.some((scope) => scope === value);

/**
 * API keys: made, listed, revoked, bootstrapped and checked here, for the HTTP API and the CLI alike.
 * Only the SHA-256 of a key is stored; its secret is handed out once, when it is made.
 */
export class ManageApiKeys {
  constructor(
    private readonly store: AccessTransactions,
    private readonly clock: Clock,
    /** Checks that a key is bound only to an existing agent; without one, binding is refused. */
    private readonly agents: AgentDirectory | null = null,
  ) {}

  async create(command: CreateApiKeyCommand): Promise<CreatedApiKey> {
    const name = command.name.trim();
    if (name.length === 0 || name.length > MAX_NAME_LENGTH) throw invalid('API_KEY.INVALID_NAME', `a key needs a name of 1 to ${MAX_NAME_LENGTH} characters`, 'name');
    const unknown = command.scopes.filter((scope) => !isScope(scope));
    if (unknown.length > 0) throw invalid('API_KEY.UNKNOWN_SCOPE', `unknown scope ${unknown.join(', ')}; scopes are ${SCOPES.join(', ')}`, 'scopes');
    const scopes = [...new Set(command.scopes.filter(isScope))];
    if (scopes.length === 0) throw invalid('API_KEY.NO_SCOPE', `a key needs at least one scope of ${SCOPES.join(', ')}`, 'scopes');
    const agentId = command.agentId ?? null;
    if (agentId !== null) {
      // An admin key acts for anyone, which is what binding a key to one agent rules out.
      if (scopes.includes('admin')) throw invalid('API_KEY.ADMIN_BOUND', 'a key bound to an agent cannot hold the admin scope', 'scopes');
      if (!isId(agentId) || this.agents === null || !(await this.agents.exists(agentId))) {
        throw invalid('API_KEY.AGENT_NOT_FOUND', `agentId: agent ${agentId} does not exist`, 'agentId');
      }
    }
    const generated = generateApiKey();
    const apiKey: ApiKey = { id: newId(), name, prefix: generated.prefix, hash: generated.hash, scopes, agentId, createdAt: this.clock.now(), revokedAt: null };
    await this.store.transaction((session) => session.apiKeys.insert(apiKey));
    return { apiKey, secret: generated.key };
  }

  /** One page of keys, newest first. */
  list(page: PageRequest): Promise<Page<ApiKey>> {
    return this.store.read((session) => session.apiKeys.list(page));
  }

  /** Every key, newest first (keys are few: an operator's list, not a customer's). */
  listAll(): Promise<ApiKey[]> {
    return this.store.read((session) => allPages((page) => session.apiKeys.list(page)));
  }

  /** Revokes a key; revoking a revoked key changes nothing and answers it as it is. */
  revoke(id: string): Promise<ApiKey> {
    return this.store.transaction(async (session) => {
      await session.lock(`access.api-key:${id}`);
      const key = (await allPages((page) => session.apiKeys.list(page))).find((candidate) => candidate.id === id);
      if (key === undefined) throw notFound('API_KEY.NOT_FOUND', `API key ${id} does not exist`);
      if (key.revokedAt !== null) return key;
      const revoked = { ...key, revokedAt: this.clock.now() };
      await session.apiKeys.update(revoked);
      return revoked;
    });
  }

  /** The principal of a presented key, or null when it is unknown or revoked. */
  async authenticate(presented: string): Promise<ApiKeyPrincipal | null> {
    if (presented.length === 0 || presented.length > MAX_KEY_LENGTH) return null;
    const hash = hashApiKey(presented);
    const stored = await this.store.read((session) => session.apiKeys.findByHash(hash));
    return stored === null || stored.revokedAt !== null ? null : principalOf(stored);
  }

  /**
   * Makes sure the hub can be administered: stores the configured bootstrap key, or on first start
   * generates one, prints it once and stores only its hash.
   */
  async ensureAdminKey(options: EnsureAdminKeyOptions): Promise<EnsureAdminKeyResult> {
    const adminKey = options.adminKey;
    const record = (name: string, prefix: string, hash: string): ApiKey => ({
      id: newId(),
      name,
      prefix,
      hash,
      scopes: ['admin'],
      agentId: null,
      createdAt: this.clock.now(),
      revokedAt: null,
    });

    if (adminKey !== undefined && adminKey !== '') {
      const hash = hashApiKey(adminKey);
      return this.store.transaction(async (session) => {
        // Several hub processes may boot at once: one of them writes.
        await session.lock(BOOTSTRAP_LOCK);
        if ((await session.apiKeys.findByHash(hash)) !== null) return 'present';
        await session.apiKeys.insert(record('bootstrap', apiKeyPrefix(adminKey), hash));
        return 'stored';
      });
    }

    const generated = generateApiKey();
    const result = await this.store.transaction(async (session) => {
      await session.lock(BOOTSTRAP_LOCK);
      const keys = await allPages((page) => session.apiKeys.list(page));
      if (keys.some((key) => key.revokedAt === null && key.scopes.includes('admin'))) return 'present' as const;
      await session.apiKeys.insert(record('admin', generated.prefix, generated.hash));
      return 'generated' as const;
    });
    // Printed only after commit, so a shown key always works.
    if (result === 'generated') options.print(`Switchboard admin API key (shown once): ${generated.key}`);
    return result;
  }
}
