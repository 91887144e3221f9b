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
  createdAt: Date;
  revokedAt: Date | null;
}
