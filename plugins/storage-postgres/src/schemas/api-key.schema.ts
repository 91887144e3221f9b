import type { Scope } from '@switchboard/core';
import { EntitySchema } from 'typeorm';

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: Scope[];
  agentId: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export const ApiKeySchema = new EntitySchema<ApiKeyRow>({
  name: 'ApiKey',
  tableName: 'api_keys',
  columns: {
    id: { type: 'uuid', primary: true, primaryKeyConstraintName: 'pk_api_keys' },
    name: { type: 'varchar', length: 200 },
    prefix: { type: 'varchar', length: 32 },
    hash: { type: 'varchar', length: 128 },
    scopes: { type: 'jsonb' },
    agentId: { type: 'uuid', name: 'agent_id', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    revokedAt: { type: 'timestamptz', name: 'revoked_at', nullable: true },
  },
  uniques: [{ name: 'uq_api_keys_hash', columns: ['hash'] }],
});
