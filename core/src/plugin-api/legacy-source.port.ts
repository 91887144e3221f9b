import type { Health } from '../shared/health.js';
import type { AttachmentRef } from '../ledger/interaction.entity.js';

/** The kinds of record a legacy help desk (osTicket, Zendesk, a mailbox archive…) hands over. */
export type LegacyEntity = 'user' | 'ticket' | 'entry';
export const LEGACY_ENTITIES: readonly LegacyEntity[] = ['user', 'ticket', 'entry'];

/**
 * The id a legacy record keeps in the hub: `legacy:<system>:<entity>:<id>`, e.g.
 * `legacy:osticket:user:42`. `system` is `[a-z0-9-]+`; the source's own id follows as it is.
 */
export const legacyExternalId = (system: string, entity: LegacyEntity, id: string | number): string => `legacy:${system}:${entity}:${id}`;

/** Splits a legacy external id; null when the text is not one. */
export const parseLegacyExternalId = (text: string): { system: string; entity: LegacyEntity; id: string } | null => {
  const match = /^legacy:([a-z0-9-]+):(user|ticket|entry):(.+)$/.exec(text);
  const entity = LEGACY_ENTITIES.find((candidate) => candidate === match?.[2]);
  if (!match?.[1] || entity === undefined || !match[3]) return null;
  return { system: match[1], entity, id: match[3] };
};

/** A person of the legacy system: becomes (or joins) a customer through its identities. */
export interface LegacyUser {
  entity: 'user';
  externalId: string;
  name: string | null;
  /** `email:…`, `phone:…` as `{kind, value}`; the first is the primary one. */
  identities: { kind: string; value: string }[];
  attributes: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** A ticket (a case, a thread): becomes a conversation. */
export interface LegacyTicket {
  entity: 'ticket';
  externalId: string;
  /** The external id of the LegacyUser who opened it. */
  userExternalId: string;
  subject: string | null;
  status: 'open' | 'pending' | 'closed';
  /** The channel it came in by, in the hub's names (`email`, `web`…), when the source says. */
  channel: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One message or note of a ticket: becomes a ledger entry. */
export interface LegacyEntry {
  entity: 'entry';
  externalId: string;
  /** The external id of the LegacyTicket it belongs to. */
  ticketExternalId: string;
  /** `inbound` from the customer, `outbound` from staff, `internal` for staff notes. */
  direction: 'inbound' | 'outbound' | 'internal';
  author: { kind: 'user' | 'staff' | 'system'; externalId: string | null; name: string | null };
  subject: string | null;
  text: string;
  html: string | null;
  attachments: AttachmentRef[];
  occurredAt: Date;
  updatedAt: Date;
}

export type LegacyRecord = LegacyUser | LegacyTicket | LegacyEntry;

export interface LegacyDescription {
  /** The `<system>` of the external ids (`osticket`). */
  system: string;
  /** How many records of each entity the source holds now. */
  entities: { entity: LegacyEntity; count: number }[];
}

export interface LegacyPage {
  records: LegacyRecord[];
  /** Where the next page starts; null after the last. Opaque, stable: a run resumes from it after a restart. */
  nextCursor: string | null;
}

export interface LegacyChanges {
  /** Records created or changed after the watermark given, oldest change first. */
  records: LegacyRecord[];
  /** Pass it to the next call; opaque to the hub. */
  watermark: string;
  /** True when more changes wait: call again with the new watermark at once. */
  more: boolean;
}

/** A hub reply written back into the legacy system while both run side by side. */
export interface LegacyReply {
  /** The hub's interaction id: writing the same id back again must not add a second entry. */
  interactionId: string;
  ticketExternalId: string;
  text: string;
  html: string | null;
  agent: { id: string; name: string } | null;
  occurredAt: Date;
}

/**
 * The driven port of a legacy help desk the hub migrates from (full import, then deltas until the
 * cutover). Reads are side-effect free. `runLegacySourceContract` from `@switchboard/core/testing`
 * checks an adapter.
 */
export interface LegacySource {
  /** The system name and the count of each entity. */
  describe(): Promise<LegacyDescription>;
  /**
   * One page of one entity, in a stable order: users, then tickets, then entries is the order the
   * hub imports. A page holds at most `limit` records, all of `entity`; across pages no record
   * repeats and none is skipped. The same cursor gives the same page while the data is unchanged.
   */
  read(entity: LegacyEntity, cursor: string | null, limit: number): Promise<LegacyPage>;
  /** Records changed since `watermark` (null: from now on, an empty first answer with the current watermark). */
  changesSince(watermark: string | null, limit: number): Promise<LegacyChanges>;
  /** Writes a hub reply into the legacy ticket (side by side running); sources that cannot, omit it. */
  writeBack?(reply: LegacyReply): Promise<{ externalId: string }>;
  /** Checks credentials and reachability without changing anything. */
  testConnection(): Promise<Health>;
}
