import type { Page, PageRequest } from '../../shared/page.js';
import type { SessionLocks } from '../../shared/ports/transactions.port.js';
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

/** The transactions the access use cases need: any `Store` is one (only `lock` is used). */
export interface AccessTransactions {
  transaction<T>(work: (session: AccessSession & Pick<SessionLocks, 'lock'>) => Promise<T>): Promise<T>;
  read<T>(work: (session: AccessSession) => Promise<T>): Promise<T>;
}
