import type { ApiKey } from '@switchboard/core';
import type { ApiKeyRow } from '../schemas/api-key.schema.js';

export const toApiKeyRow = (k: ApiKey): ApiKeyRow => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  hash: k.hash,
  scopes: k.scopes,
  agentId: k.agentId,
  createdAt: k.createdAt,
  revokedAt: k.revokedAt,
});

export const toApiKey = (r: ApiKeyRow): ApiKey => ({ ...toApiKeyRow(r) });
