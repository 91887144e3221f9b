import type { ApiKey, ApiKeyRepository, Page, PageRequest } from '@switchboard/core';
import type { EntityManager, Repository } from 'typeorm';
import { toApiKey, toApiKeyRow } from '../mappers/api-key.mapper.js';
import { ApiKeySchema, type ApiKeyRow } from '../schemas/api-key.schema.js';
import { pageSize, readKeyset, toPage } from './keyset.js';
import { updateRows } from './update-rows.js';

export class TypeormApiKeyRepository implements ApiKeyRepository {
  private readonly rows: Repository<ApiKeyRow>;

  constructor(manager: EntityManager) {
    this.rows = manager.getRepository(ApiKeySchema);
  }

  async insert(key: ApiKey): Promise<void> {
    await this.rows.insert(toApiKeyRow(key));
  }

  async findByHash(hash: string): Promise<ApiKey | null> {
    const row = await this.rows.findOneBy({ hash });
    return row ? toApiKey(row) : null;
  }

  async list(page: PageRequest): Promise<Page<ApiKey>> {
    const size = pageSize(page.limit);
    const query = this.rows.createQueryBuilder('k');
    if (page.cursor !== undefined) {
      const after = readKeyset(page.cursor, ['date']);
      query.where('(k.createdAt, k.id) < (:afterCreatedAt, :afterId)', { afterCreatedAt: after.keys[0], afterId: after.id });
    }
    const rows = await query.orderBy('k.createdAt', 'DESC').addOrderBy('k.id', 'DESC').limit(size + 1).getMany();
    return toPage(rows, size, toApiKey, (r) => ({ keys: [r.createdAt], id: r.id }));
  }

  async update(key: ApiKey): Promise<void> {
    const { id, ...changes } = toApiKeyRow(key);
    await updateRows(this.rows, { id }, changes);
  }
}
