import type { ApiKey } from '../../access/api-key.entity.js';
import type { ApiKeyRepository } from '../../access/ports/api-key-store.port.js';
import type { Page, PageRequest } from '../../shared/page.js';
import { ConstraintError, copy, keysetPage, type Ordering } from './rows.js';
import type { Db } from './tables.js';

const newestFirst: Ordering<ApiKey> = { shape: ['date'], key: (k) => ({ keys: [k.createdAt], id: k.id }), direction: 'desc' };

export class InMemoryApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly db: Db) {}

  async insert(key: ApiKey): Promise<void> {
    if (this.db.apiKeys.has(key.id)) throw new ConstraintError('api_keys', key.id);
    if (this.hashed(key.hash)) throw new ConstraintError('api_keys (hash)', key.prefix);
    this.db.apiKeys.set(key.id, copy(key));
  }

  async findByHash(hash: string): Promise<ApiKey | null> {
    const row = this.hashed(hash);
    return row ? copy(row) : null;
  }

  async list(page: PageRequest): Promise<Page<ApiKey>> {
    return keysetPage(this.db.apiKeys.values(), newestFirst, page);
  }

  async update(key: ApiKey): Promise<void> {
    if (!this.db.apiKeys.has(key.id)) return;
    const holder = this.hashed(key.hash);
    if (holder && holder.id !== key.id) throw new ConstraintError('api_keys (hash)', key.prefix);
    this.db.apiKeys.set(key.id, copy(key));
  }

  private hashed(hash: string): ApiKey | undefined {
    return this.db.apiKeys.values().find((k) => k.hash === hash);
  }
}
