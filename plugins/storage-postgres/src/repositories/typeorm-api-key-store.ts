import type { ApiKey, ApiKeyRepository } from '@switchboard/core';
import type { EntityManager, Repository } from 'typeorm';
import { toApiKey, toApiKeyRow } from '../mappers/api-key.mapper.js';
import { ApiKeySchema, type ApiKeyRow } from '../schemas/api-key.schema.js';
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

  async list(): Promise<ApiKey[]> {
    const rows = await this.rows.find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(toApiKey);
  }

  async update(key: ApiKey): Promise<void> {
    const { id, ...changes } = toApiKeyRow(key);
    await updateRows(this.rows, { id }, changes);
  }
}
