import type { Page, PageRequest } from '../../shared/page.js';
import type { ApiKey } from '../api-key.entity.js';

export interface ApiKeyRepository {
  insert(key: ApiKey): Promise<void>;
  findByHash(hash: string): Promise<ApiKey | null>;
  /** Newest first (createdAt, then id). */
  list(page: PageRequest): Promise<Page<ApiKey>>;
  update(key: ApiKey): Promise<void>;
}

export interface AccessSession {
  readonly apiKeys: ApiKeyRepository;
}
