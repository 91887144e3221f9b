import type { ApiKey } from '../api-key.entity.js';

export interface ApiKeyRepository {
  insert(key: ApiKey): Promise<void>;
  findByHash(hash: string): Promise<ApiKey | null>;
  list(): Promise<ApiKey[]>;
  update(key: ApiKey): Promise<void>;
}

export interface AccessSession {
  readonly apiKeys: ApiKeyRepository;
}
