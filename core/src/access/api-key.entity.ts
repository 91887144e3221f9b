export const SCOPES = ['admin', 'ingest', 'agent', 'read'] as const;
export type Scope = (typeof SCOPES)[number];

/** An API key; only the SHA-256 of its secret is stored. */
export interface ApiKey {
  id: string;
  name: string;
  /** The first characters of the key, shown so people can tell keys apart. */
  prefix: string;
  hash: string;
  scopes: Scope[];
  /** The agent the key is bound to: it then acts only as that agent. Null for an unbound key. */
  agentId: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Who calls, once a presented key is verified. */
export interface ApiKeyPrincipal {
  keyId: string;
  name: string;
  scopes: Scope[];
  /** Set when the key is bound to one agent: it then acts only as that agent. */
  agentId?: string;
}

export const principalOf = (key: ApiKey): ApiKeyPrincipal => ({
  keyId: key.id,
  name: key.name,
  scopes: [...key.scopes],
  ...(key.agentId === null ? {} : { agentId: key.agentId }),
});
