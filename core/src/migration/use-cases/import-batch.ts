import type { Customer } from '../../identity/customer.entity.js';
import { identityOf, type IdentityKey, type NormaliseOptions } from '../../identity/identity.value-object.js';
import { identityKeyOf, identityKeysOf, resolveCustomers, type Sender } from '../../identity/use-cases/resolve-customers.use-case.js';
import { conversationLifecycle, type Conversation } from '../../ledger/conversation.entity.js';
import type { Interaction, Party } from '../../ledger/interaction.entity.js';
import { contentHashOf } from '../../ledger/hash-chain.js';
import { buildEntry } from '../../ledger/ledger-writer.js';
import {
  ALL_LEGACY_ENTITIES,
  type LegacyEntity,
  type LegacyEntry,
  type LegacyFailure,
  type LegacyRecord,
  type LegacyStaff,
  type LegacyTicket,
  type LegacyUser,
} from '../../plugin-api/legacy-source.port.js';
import { enqueueConversations } from '../../routing/use-cases/enqueue-conversation.js';
import { newId } from '../../shared/ids.js';
import { lockKeys } from '../../shared/lock-keys.js';
import { RESOLUTION_RULES, type ResolutionRule } from '../../shared/settings.js';
import type { StoreSession } from '../../store/store.port.js';
import { addToSum, emptyCounters, recordHash, type EntityCounters, type LegacyMapping, type MigrationFailure, type MigrationRun } from '../migration-run.entity.js';

/** What a batch needs of the migration settings. */
export interface ImportSettings {
  openTickets: 'queue' | 'record';
  channelQueues?: Record<string, string> | undefined;
  identity?: { defaultRegion?: string | null | undefined; rules?: readonly ResolutionRule[] | undefined } | undefined;
}

export interface BatchResult {
  counters: Partial<Record<LegacyEntity, EntityCounters>>;
  failures: MigrationFailure[];
  /** Mappings written (or, in a dry run, that would have been). */
  mapped: LegacyMapping[];
}

// Content hashes of records read ahead, computed while the batch before them commits.
const hashes = new WeakMap<LegacyRecord, string>();
export const hashOf = (record: LegacyRecord): string => {
  let known = hashes.get(record);
  if (known === undefined) {
    known = recordHash(record);
    hashes.set(record, known);
  }
  return known;
};

/** Entries built before they are sent on to the database, which stores them while the batch goes on. */
const SEND_AHEAD = 250;

const legacyValue = (externalId: string): string => externalId.replace(/^legacy:/, '');

/** What an entry's ledger content is made of that depends on the record alone, with its content hash. */
interface EntryContent {
  party: Party | null;
  data: Record<string, unknown>;
  contentHash: string;
}

// Like the record hashes: computed for the page read ahead while the batch before it commits.
const contents = new WeakMap<LegacyEntry, EntryContent>();
const contentOf = (record: LegacyEntry): EntryContent => {
  let known = contents.get(record);
  if (known === undefined) {
    const author = record.author;
    const party: Party | null = author.kind === 'user' && author.externalId !== null ? { kind: 'legacy', value: legacyValue(author.externalId), ...(author.name ? { name: author.name } : {}) } : null;
    const data: Record<string, unknown> = { legacy: { id: record.externalId, author: { kind: author.kind, id: author.externalId, name: author.name } } };
    known = { party, data, contentHash: contentHashOf({ subject: record.subject, text: record.text, html: record.html, attachments: record.attachments, party, data }) };
    contents.set(record, known);
  }
  return known;
};

/** The hashes a record needs, computed ahead (while another batch commits). */
export const prepareRecord = (record: LegacyRecord): void => {
  hashOf(record);
  if (record.entity === 'entry') contentOf(record);
};
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** One batch's mapping work, inside its transaction. */
export class ImportBatch {
  private readonly counters: Partial<Record<LegacyEntity, EntityCounters>> = {};
  private readonly failures: MigrationFailure[] = [];
  private readonly mapped: LegacyMapping[] = [];
  private readonly mappedHere = new Map<string, LegacyMapping>();
  private readonly normalise: NormaliseOptions;

  constructor(
    private readonly session: StoreSession,
    private readonly run: MigrationRun,
    private readonly settings: ImportSettings,
    private readonly now: Date,
    /** Dry run: mappings "written" by earlier batches; nothing is written to the store. */
    private readonly overlay: Map<string, LegacyMapping> | null,
  ) {
    this.normalise = { defaultRegion: settings.identity?.defaultRegion };
  }

  private get system(): string {
    return this.run.system ?? 'legacy';
  }

  private get dryRun(): boolean {
    return this.overlay !== null;
  }

  private count(entity: LegacyEntity): EntityCounters {
    let counters = this.counters[entity];
    if (counters === undefined) {
      counters = emptyCounters();
      this.counters[entity] = counters;
    }
    return counters;
  }

  private fail(entity: LegacyEntity, sourceId: string, reason: string, outcome: MigrationFailure['outcome'] = 'failed'): void {
    this.failures.push({ entity, sourceId, reason, outcome });
    if (outcome === 'failed') this.count(entity).failed += 1;
    if (outcome === 'skipped') this.count(entity).skipped += 1;
  }

  /** The record was read: its hash goes into the source checksum. */
  private seen(entity: LegacyEntity, contentHash: string): void {
    const c = this.count(entity);
    c.read += 1;
    c.checksum.source = addToSum(c.checksum.source, contentHash);
  }

  /** What the hub holds for the record after the batch: its hash goes into the hub checksum. */
  private holds(entity: LegacyEntity, contentHash: string | undefined): void {
    if (contentHash === undefined) return;
    const c = this.count(entity);
    c.checksum.hub = addToSum(c.checksum.hub, contentHash);
  }

  private async mappings(externalIds: readonly string[]): Promise<Map<string, LegacyMapping>> {
    const unique = [...new Set(externalIds)];
    const found = new Map((unique.length > 0 ? await this.session.legacyMap.findMany(unique) : []).map((m) => [m.externalId, m]));
    // What this batch mapped already (a delta's new ticket before its entries), and in a dry run what earlier batches would have.
    for (const id of unique) {
      const virtual = this.mappedHere.get(id) ?? this.overlay?.get(id);
      if (virtual !== undefined) found.set(id, virtual);
    }
    return found;
  }

  private mapping(record: LegacyRecord, hubId: string | null, contentHash: string, data: Record<string, unknown>): LegacyMapping {
    const mapping: LegacyMapping = { externalId: record.externalId, system: this.system, entity: record.entity, hubId, contentHash, data, runId: this.run.id, updatedAt: this.now };
    this.mapped.push(mapping);
    this.mappedHere.set(mapping.externalId, mapping);
    return mapping;
  }

  async apply(records: readonly LegacyRecord[], sourceFailures: readonly LegacyFailure[]): Promise<BatchResult> {
    for (const failure of sourceFailures) this.fail(failure.entity, failure.sourceId, failure.reason);
    const byEntity = new Map<LegacyEntity, LegacyRecord[]>();
    for (const record of records) byEntity.set(record.entity, [...(byEntity.get(record.entity) ?? []), record]);
    for (const entity of ALL_LEGACY_ENTITIES) {
      const group = byEntity.get(entity);
      if (group === undefined || group.length === 0) continue;
      // A record that appears twice in one delta batch counts once (its last state).
      const last = [...new Map(group.map((r) => [r.externalId, r])).values()];
      if (entity === 'user') await this.users(last as LegacyUser[]);
      else if (entity === 'ticket') await this.tickets(last as LegacyTicket[]);
      else if (entity === 'entry') await this.entries(last as LegacyEntry[]);
      else if (entity === 'staff') await this.staff(last as LegacyStaff[]);
      else await this.references(last);
    }
    if (!this.dryRun && this.mapped.length > 0) {
      await this.session.legacyMap.upsertMany(this.mapped);
      await this.session.migrationRuns.sendAhead();
    }
    return { counters: this.counters, failures: this.failures, mapped: this.mapped };
  }

  /** Organisations, staff, departments, topics: kept in the map with their facts. */
  private async references(records: readonly LegacyRecord[]): Promise<void> {
    const known = await this.mappings(records.map((r) => r.externalId));
    for (const record of records) {
      const contentHash = hashOf(record);
      this.seen(record.entity, contentHash);
      const had = known.get(record.externalId);
      if (had?.contentHash === contentHash) {
        this.count(record.entity).unchanged += 1;
        this.holds(record.entity, contentHash);
        continue;
      }
      this.count(record.entity)[had === undefined ? 'created' : 'updated'] += 1;
      this.mapping(record, null, contentHash, 'name' in record && record.name !== null ? { name: record.name } : {});
      this.holds(record.entity, contentHash);
    }
  }

  /** Staff: matched to the hub agent with the same email address, when there is one (the map keeps it). */
  private async staff(records: readonly LegacyStaff[]): Promise<void> {
    const agentOf = new Map<string, string>();
    let cursor: string | undefined;
    do {
      const page = await this.session.agents.list({ limit: 500, cursor });
      for (const agent of page.items) if (agent.email) agentOf.set(agent.email.toLowerCase(), agent.id);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    const known = await this.mappings(records.map((r) => r.externalId));
    for (const record of records) {
      const contentHash = hashOf(record);
      this.seen('staff', contentHash);
      const email = record.identities.find((i) => i.kind === 'email')?.value.trim().toLowerCase();
      const agentId = email === undefined ? null : (agentOf.get(email) ?? null);
      const had = known.get(record.externalId);
      if (had?.contentHash === contentHash && had.hubId === agentId) {
        this.count('staff').unchanged += 1;
        this.holds('staff', contentHash);
        continue;
      }
      this.count('staff')[had === undefined ? 'created' : 'updated'] += 1;
      this.mapping(record, agentId, contentHash, record.name === null ? {} : { name: record.name });
      this.holds('staff', contentHash);
    }
  }

  private async users(records: readonly LegacyUser[]): Promise<void> {
    const organizations = records.flatMap((r) => (r.organizationExternalId ? [r.organizationExternalId] : []));
    const known = await this.mappings([...records.map((r) => r.externalId), ...organizations]);
    const work: { record: LegacyUser; contentHash: string; sender: Sender; had: LegacyMapping | undefined }[] = [];
    for (const record of records) {
      const contentHash = hashOf(record);
      this.seen('user', contentHash);
      const had = known.get(record.externalId);
      if (had?.contentHash === contentHash) {
        this.count('user').unchanged += 1;
        this.holds('user', contentHash);
        continue;
      }
      let key: IdentityKey;
      try {
        key = identityOf('legacy', legacyValue(record.externalId), 'externalId');
      } catch (error) {
        this.fail('user', record.externalId, `externalId: ${messageOf(error)}`);
        this.holds('user', had?.contentHash);
        continue;
      }
      const also: IdentityKey[] = [];
      for (const identity of record.identities) {
        try {
          const parsed = identityOf(identity.kind, identity.value, 'identities', this.normalise);
          if (!also.some((k) => identityKeyOf(k) === identityKeyOf(parsed))) also.push(parsed);
        } catch (error) {
          this.fail('user', record.externalId, `${identity.kind} ${JSON.stringify(identity.value)} left out: ${messageOf(error)}`, 'warning');
        }
      }
      work.push({ record, contentHash, had, sender: { key, name: record.name ?? undefined, also } });
    }
    if (work.length === 0) return;
    const keys = identityKeysOf(work.map((w) => w.sender));
    if (this.dryRun) {
      const existing = new Set((await this.session.identities.findMany(keys)).map(identityKeyOf));
      for (const w of work) {
        const joined = w.had === undefined && !existing.has(identityKeyOf(w.sender.key)) && (w.sender.also ?? []).some((k) => existing.has(identityKeyOf(k)));
        this.count('user')[w.had === undefined ? 'created' : 'updated'] += 1;
        if (joined) this.count('user').joined = (this.count('user').joined ?? 0) + 1;
        this.mapping(w.record, w.had?.hubId ?? newId(), w.contentHash, joined ? { joined: true } : {});
        this.holds('user', w.contentHash);
      }
      return;
    }
    await this.session.lockAll(keys.map((k) => lockKeys.identity(k.kind, k.value)));
    const identities = await this.session.identities.findMany(keys);
    const knownKeys = new Set(identities.map(identityKeyOf));
    const { customerOf, created, conflicts } = await resolveCustomers(this.session, work.map((w) => w.sender), identities, this.now, this.settings.identity?.rules ?? RESOLUTION_RULES);
    if (conflicts.length > 0) {
      await this.session.mergeSuggestions.addPending(
        conflicts.map((c) => ({ id: newId(), customerId: c.customerId, otherCustomerId: c.otherCustomerId, identity: c.identity, interactionId: null, status: 'pending' as const, createdAt: this.now, decidedAt: null })),
      );
    }
    const touchedCustomers = new Map<string, Customer>();
    for (const w of work) {
      const customer = customerOf.get(identityKeyOf(w.sender.key));
      if (customer === undefined) {
        this.fail('user', w.record.externalId, 'identity resolution found no customer');
        continue;
      }
      // A legacy user seen for the first time whose address a hub customer has: it joined that customer.
      const joined = w.had === undefined && !knownKeys.has(identityKeyOf(w.sender.key)) && !created.has(customer.id);
      this.count('user')[w.had === undefined ? 'created' : 'updated'] += 1;
      if (joined) this.count('user').joined = (this.count('user').joined ?? 0) + 1;
      const data = joined || w.had?.data['joined'] === true ? { joined: true } : {};
      this.mapping(w.record, customer.id, w.contentHash, data);
      this.holds('user', w.contentHash);
      // A customer made here starts with what the legacy system knew of them; a customer the hub
      // had keeps its own attributes.
      if (created.has(customer.id) && !touchedCustomers.has(customer.id)) {
        const organization = w.record.organizationExternalId ? known.get(w.record.organizationExternalId)?.data['name'] : undefined;
        const attributes = { ...customer.attributes, ...(typeof organization === 'string' ? { organization } : {}), legacy: { system: this.system, ...w.record.attributes } };
        touchedCustomers.set(customer.id, { ...customer, attributes, updatedAt: this.now });
      }
    }
    await this.session.customers.updateMany([...touchedCustomers.values()]);
  }

  private async tickets(records: readonly LegacyTicket[]): Promise<void> {
    const known = await this.mappings([...records.map((r) => r.externalId), ...records.map((r) => r.userExternalId)]);
    const fresh: { record: LegacyTicket; contentHash: string; conversation: Conversation }[] = [];
    const changed: { record: LegacyTicket; contentHash: string; had: LegacyMapping }[] = [];
    for (const record of records) {
      const contentHash = hashOf(record);
      this.seen('ticket', contentHash);
      const had = known.get(record.externalId);
      if (had?.contentHash === contentHash) {
        this.count('ticket').unchanged += 1;
        this.holds('ticket', contentHash);
        continue;
      }
      if (had !== undefined) {
        changed.push({ record, contentHash, had });
        continue;
      }
      const customerId = known.get(record.userExternalId)?.hubId;
      if (customerId === undefined || customerId === null) {
        this.fail('ticket', record.externalId, `userExternalId: user ${record.userExternalId} was not imported`);
        continue;
      }
      const channel = channelName(record.channel);
      const base = conversationLifecycle.open(customerId, record.createdAt);
      const closed = record.status === 'closed';
      const conversation: Conversation = {
        ...base,
        status: closed ? 'closed' : 'open',
        channels: [channel],
        lastInboundChannel: channel,
        resolvedAt: closed ? (record.closedAt ?? record.updatedAt) : null,
        updatedAt: record.updatedAt,
      };
      fresh.push({ record, contentHash, conversation });
    }
    let conversations = fresh.map((f) => f.conversation);
    if (!this.dryRun && this.settings.openTickets === 'queue') {
      // Open tickets wait for an agent like any new conversation; closed history is never routed.
      const open = conversations.filter((c) => c.status === 'open');
      if (open.length > 0) {
        const queued = new Map((await enqueueConversations(this.session, open, { channelQueues: this.settings.channelQueues, now: this.now })).map((c) => [c.id, c]));
        conversations = conversations.map((c) => queued.get(c.id) ?? c);
      }
    }
    if (!this.dryRun && conversations.length > 0) await this.session.conversations.insertMany(conversations);
    fresh.forEach((f, i) => {
      const conversation = conversations[i]!;
      this.count('ticket').created += 1;
      this.mapping(f.record, conversation.id, f.contentHash, { channel: conversation.channels[0], customerId: conversation.customerId });
      this.holds('ticket', f.contentHash);
    });
    for (const c of changed) await this.changedTicket(c.record, c.contentHash, c.had);
  }

  /** A ticket imported before whose status or facts changed in the source. */
  private async changedTicket(record: LegacyTicket, contentHash: string, had: LegacyMapping): Promise<void> {
    this.count('ticket').updated += 1;
    this.mapping(record, had.hubId, contentHash, had.data);
    this.holds('ticket', contentHash);
    if (this.dryRun || had.hubId === null) return;
    await this.session.lock(lockKeys.conversation(had.hubId));
    const conversation = await this.session.conversations.get(had.hubId);
    if (conversation === null) return;
    const closedInHub = conversation.status === 'closed' || conversation.status === 'resolved';
    if (record.status === 'closed' && !closedInHub) {
      if (conversation.status === 'offered' || conversation.status === 'assigned' || conversation.status === 'waiting') {
        this.fail('ticket', record.externalId, `closed in the source while an agent works on it in the hub (${conversation.status}): the hub's status is kept`, 'warning');
        return;
      }
      await this.session.workItems.delete(conversation.id);
      await this.session.conversations.update({ ...conversation, status: 'closed', queueId: conversation.queueId, resolvedAt: record.closedAt ?? record.updatedAt, updatedAt: this.now });
    } else if (record.status !== 'closed' && closedInHub) {
      const reopened: Conversation = { ...conversation, status: 'open', resolvedAt: null, updatedAt: this.now };
      const next = this.settings.openTickets === 'queue' ? ((await enqueueConversations(this.session, [reopened], { channelQueues: this.settings.channelQueues, now: this.now }))[0] ?? reopened) : reopened;
      await this.session.conversations.update(next);
    }
  }

  private async entries(records: readonly LegacyEntry[]): Promise<void> {
    const staffIds = records.flatMap((r) => (r.author.kind === 'staff' && r.author.externalId !== null ? [r.author.externalId] : []));
    const known = await this.mappings([...records.map((r) => r.externalId), ...records.map((r) => r.ticketExternalId), ...staffIds]);
    const fresh: { record: LegacyEntry; contentHash: string; conversationId: string; customerId: string; channel: string }[] = [];
    for (const record of records) {
      const contentHash = hashOf(record);
      this.seen('entry', contentHash);
      const had = known.get(record.externalId);
      if (had?.contentHash === contentHash) {
        this.count('entry').unchanged += 1;
        this.holds('entry', contentHash);
        continue;
      }
      if (had !== undefined) {
        this.fail('entry', record.externalId, 'changed in the source after it was imported: the ledger keeps entries as they were recorded', 'skipped');
        this.holds('entry', had.contentHash);
        continue;
      }
      const ticket = known.get(record.ticketExternalId);
      if (ticket?.hubId === undefined || ticket.hubId === null) {
        this.fail('entry', record.externalId, `ticketExternalId: ticket ${record.ticketExternalId} was not imported`);
        continue;
      }
      if (record.text.includes('\u0000') || (record.html ?? '').includes('\u0000') || (record.subject ?? '').includes('\u0000')) {
        this.fail('entry', record.externalId, 'text: holds a NUL character, which the ledger cannot store');
        continue;
      }
      const channel = typeof ticket.data['channel'] === 'string' ? ticket.data['channel'] : 'legacy';
      const customerId = typeof ticket.data['customerId'] === 'string' ? ticket.data['customerId'] : '';
      fresh.push({ record, contentHash, conversationId: ticket.hubId, customerId, channel });
    }
    if (fresh.length === 0) return;
    if (this.dryRun) {
      for (const f of fresh) {
        this.count('entry').created += 1;
        this.mapping(f.record, newId(), f.contentHash, {});
        this.holds('entry', f.contentHash);
      }
      return;
    }
    // Email Message-IDs of customers' messages are receipts, as the email channel records them: a
    // mail the hub received already is not recorded twice, and one that arrives later is a duplicate.
    const receiptOf = (f: (typeof fresh)[number]) => (f.record.messageId && f.record.direction === 'inbound' ? { channel: f.channel, externalId: f.record.messageId } : null);
    const ids = new Map(fresh.map((f) => [f.record.externalId, newId()]));
    const receipts = fresh.flatMap((f) => {
      const key = receiptOf(f);
      return key === null ? [] : [{ ...key, interactionId: ids.get(f.record.externalId)!, receivedAt: this.now }];
    });
    const unique = [...new Map(receipts.map((r) => [`${r.channel}\u0000${r.externalId}`, r])).values()].sort((a, b) => (`${a.channel}\u0000${a.externalId}` < `${b.channel}\u0000${b.externalId}` ? -1 : 1));
    const claimed = new Set((unique.length > 0 ? await this.session.receipts.claimMany(unique) : []).map((r) => `${r.channel}\u0000${r.externalId}`));
    const earlier = new Map(
      (unique.length > claimed.size ? await this.session.receipts.findMany(unique.filter((r) => !claimed.has(`${r.channel}\u0000${r.externalId}`))) : []).map((r) => [`${r.channel}\u0000${r.externalId}`, r.interactionId]),
    );
    const conversationIds = [...new Set(fresh.map((f) => f.conversationId))];
    await this.session.lockAll(conversationIds.map(lockKeys.conversation));
    // The chain heads from the hub-wide anchor (seq and digest only), not the last entries themselves.
    const [conversations, heads] = await Promise.all([this.session.conversations.getMany(conversationIds), this.session.heads.getMany(conversationIds)]);
    const conversationOf = new Map(conversations.map((c) => [c.id, c]));
    const headOf = new Map<string, Pick<Interaction, 'seq' | 'digest'>>(heads.map((h) => [h.conversationId, h]));
    const touched = new Map<string, Conversation>();
    let interactions: Interaction[] = [];
    const claimedHere = new Set<string>();
    for (const f of fresh) {
      const conversation = touched.get(f.conversationId) ?? conversationOf.get(f.conversationId);
      if (conversation === undefined) {
        this.fail('entry', f.record.externalId, `the conversation of ticket ${f.record.ticketExternalId} is gone from the hub`);
        continue;
      }
      const key = receiptOf(f);
      const receiptKey = key === null ? null : `${key.channel}\u0000${key.externalId}`;
      if (receiptKey !== null && (!claimed.has(receiptKey) || claimedHere.has(receiptKey))) {
        const existing = earlier.get(receiptKey) ?? null;
        this.fail('entry', f.record.externalId, `message ${key!.externalId} is in the ledger already${existing ? ` (interaction ${existing})` : ''}: not recorded twice`, 'skipped');
        continue;
      }
      if (receiptKey !== null) claimedHere.add(receiptKey);
      const { record } = f;
      const author = record.author;
      const content = contentOf(record);
      const interaction = buildEntry(
        conversation,
        {
          channel: f.channel,
          direction: record.direction,
          type: record.direction === 'internal' ? 'note' : 'message',
          externalId: record.messageId ?? record.externalId,
          threadRef: record.inReplyTo ?? null,
          subject: record.subject,
          text: record.text,
          html: record.html,
          attachments: record.attachments,
          // The hub agent the legacy staff member was matched to, if any.
          agentId: author.kind === 'staff' && author.externalId !== null ? (known.get(author.externalId)?.hubId ?? null) : null,
          party: content.party,
          data: content.data,
          sourcePlugin: this.run.source,
          occurredAt: record.occurredAt,
        },
        headOf.get(conversation.id) ?? null,
        this.now,
        ids.get(record.externalId),
        content.contentHash,
      );
      headOf.set(conversation.id, interaction);
      interactions.push(interaction);
      if (interactions.length >= SEND_AHEAD) {
        // The database stores these while the next ones are built.
        await this.session.interactions.insertMany(interactions);
        await this.session.migrationRuns.sendAhead();
        interactions = [];
      }
      const next: Conversation =
        record.direction === 'inbound'
          ? { ...conversation, channels: conversation.channels.includes(f.channel) ? conversation.channels : [...conversation.channels, f.channel], lastInboundChannel: f.channel, lastInboundAt: record.occurredAt }
          : record.direction === 'outbound'
            ? { ...conversation, firstResponseAt: conversation.firstResponseAt ?? record.occurredAt }
            : conversation;
      touched.set(conversation.id, next);
      this.count('entry').created += 1;
      this.mapping(record, interaction.id, f.contentHash, {});
      this.holds('entry', f.contentHash);
    }
    if (interactions.length > 0) await this.session.interactions.insertMany(interactions);
    await this.session.conversations.updateMany([...touched.values()]);
  }
}

/** A source's channel as a hub channel name; `legacy` when it says none or one the hub cannot name. */
const channelName = (channel: string | null): string => (channel !== null && /^[a-z0-9][a-z0-9._-]{0,63}$/.test(channel) ? channel : 'legacy');
