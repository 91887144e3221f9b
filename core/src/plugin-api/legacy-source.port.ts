import type { Health } from '../shared/health.js';
import type { AttachmentRef } from '../ledger/interaction.entity.js';

/**
 * The kinds of record a legacy help desk (osTicket, Zendesk, a mailbox archive…) hands over. Every
 * source has users, tickets and entries; organisations, staff, departments and help topics only
 * where the source has them (it lists them in `describe()`).
 */
export type LegacyEntity = 'user' | 'ticket' | 'entry' | LegacyReferenceEntity;
export type LegacyReferenceEntity = 'organization' | 'staff' | 'department' | 'topic';
/** The entities every source has, in the order the hub imports them. */
export const LEGACY_ENTITIES: readonly LegacyEntity[] = ['user', 'ticket', 'entry'];
/** The entities a source may add; imported before users. */
export const LEGACY_REFERENCE_ENTITIES: readonly LegacyReferenceEntity[] = ['organization', 'staff', 'department', 'topic'];
/** Every entity, in import order (reference data first). */
export const ALL_LEGACY_ENTITIES: readonly LegacyEntity[] = [...LEGACY_REFERENCE_ENTITIES, ...LEGACY_ENTITIES];

/**
 * The id a legacy record keeps in the hub: `legacy:<system>:<entity>:<id>`, e.g.
 * `legacy:osticket:user:42`. `system` is `[a-z0-9-]+`; the source's own id follows as it is.
 */
export const legacyExternalId = (system: string, entity: LegacyEntity, id: string | number): string => `legacy:${system}:${entity}:${id}`;

/** Splits a legacy external id; null when the text is not one. */
export const parseLegacyExternalId = (text: string): { system: string; entity: LegacyEntity; id: string } | null => {
  const match = /^legacy:([a-z0-9-]+):(user|ticket|entry|organization|staff|department|topic):(.+)$/.exec(text);
  const entity = ALL_LEGACY_ENTITIES.find((candidate) => candidate === match?.[2]);
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
  /** The external id of the LegacyOrganization the user belongs to, when the source says. */
  organizationExternalId?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A customer organisation (a company) of the legacy system. */
export interface LegacyOrganization {
  entity: 'organization';
  externalId: string;
  name: string;
  /** Mail domains that belong to it (`example.com`), when the source keeps them. */
  domains: string[];
  attributes: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** An agent of the legacy system: becomes (or is matched to) a hub agent. */
export interface LegacyStaff {
  entity: 'staff';
  externalId: string;
  name: string | null;
  /** `{kind: 'email', value}` first when known. */
  identities: { kind: string; value: string }[];
  active: boolean;
  /** The external id of the agent's primary LegacyDepartment, when any. */
  departmentExternalId: string | null;
  attributes: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** A department (a team, a group) or a help topic (a category) of the legacy system: becomes a queue or a tag. */
export interface LegacyCategory {
  entity: 'department' | 'topic';
  externalId: string;
  name: string;
  /** The external id of the parent of the same entity, for nested ones. */
  parentExternalId: string | null;
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
  /** The number people quote (`#123456`), when it differs from the id. */
  number?: string | null;
  /** The source's priority name (`High`), when it has one. */
  priority?: string | null;
  departmentExternalId?: string | null;
  topicExternalId?: string | null;
  /** The agent (LegacyStaff) it is assigned to. */
  assigneeExternalId?: string | null;
  closedAt?: Date | null;
  /** Anything else worth keeping (the source's status name, custom fields…). */
  attributes?: Record<string, unknown>;
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
  /** The email `Message-ID` it was received or sent with (`<abc@host>`): later replies thread by it. */
  messageId?: string | null;
  /** The `In-Reply-To` it carried, when known. */
  inReplyTo?: string | null;
  occurredAt: Date;
  updatedAt: Date;
}

export type LegacyRecord = LegacyUser | LegacyTicket | LegacyEntry | LegacyOrganization | LegacyStaff | LegacyCategory;

/**
 * A row the source could not turn into a record (a bad date, broken encoding, an entry whose
 * ticket is gone): reported, never dropped silently, and reading goes on past it.
 */
export interface LegacyFailure {
  entity: LegacyEntity;
  /** The row's id in the source. */
  sourceId: string;
  /** What is wrong, for a person to fix it in the source: `created: not a date ('0000-00-00 00:00:00')`. */
  reason: string;
}

export interface LegacyDescription {
  /** The `<system>` of the external ids (`osticket`). */
  system: string;
  /** How many records of each entity the source holds now (rows that will fail to read included). */
  entities: { entity: LegacyEntity; count: number }[];
}

export interface LegacyPage {
  records: LegacyRecord[];
  /** Where the next page starts; null after the last. Opaque, stable: a run resumes from it after a restart. */
  nextCursor: string | null;
  /** Rows of this page that could not be read; with `records`, at most `limit` rows in all. */
  failures?: LegacyFailure[];
}

export interface LegacyChanges {
  /** Records created or changed after the watermark given, oldest change first. */
  records: LegacyRecord[];
  /** Pass it to the next call; opaque to the hub. */
  watermark: string;
  /** True when more changes wait: call again with the new watermark at once. */
  more: boolean;
  /** Changed rows that could not be read. */
  failures?: LegacyFailure[];
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
  /** The system name and the count of each entity it has (users, tickets, entries, and the reference entities it keeps). */
  describe(): Promise<LegacyDescription>;
  /**
   * One page of one entity, in a stable order: reference entities, then users, then tickets, then
   * entries is the order the hub imports. A page holds at most `limit` records, all of `entity`;
   * across pages no record repeats and none is skipped. The same cursor gives the same page while
   * the data is unchanged. An entity the source does not have gives an empty last page.
   */
  read(entity: LegacyEntity, cursor: string | null, limit: number): Promise<LegacyPage>;
  /** Records changed since `watermark` (null: from now on, an empty first answer with the current watermark). */
  changesSince(watermark: string | null, limit: number): Promise<LegacyChanges>;
  /** Writes a hub reply into the legacy ticket (side by side running); sources that cannot, omit it. */
  writeBack?(reply: LegacyReply): Promise<{ externalId: string }>;
  /** Checks credentials and reachability without changing anything. */
  testConnection(): Promise<Health>;
}
