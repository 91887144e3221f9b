import {
  legacyExternalId,
  type LegacyChanges,
  type LegacyDescription,
  type LegacyEntity,
  type LegacyPage,
  type LegacyRecord,
  type LegacySource,
} from '../../plugin-api/legacy-source.port.js';
import type { Health } from '../../shared/health.js';

const SYSTEM = 'fixture';
const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute));

/** Fixed records of a small help desk: 3 users, 3 tickets, 6 entries. */
export const fixtureRecords = (): LegacyRecord[] => {
  const users: LegacyRecord[] = [1, 2, 3].map((n) => ({
    entity: 'user',
    externalId: legacyExternalId(SYSTEM, 'user', n),
    name: `User ${n}`,
    identities: [{ kind: 'email', value: `user${n}@example.com` }],
    attributes: {},
    createdAt: at(n),
    updatedAt: at(n),
  }));
  const tickets: LegacyRecord[] = [1, 2, 3].map((n) => ({
    entity: 'ticket',
    externalId: legacyExternalId(SYSTEM, 'ticket', n),
    userExternalId: legacyExternalId(SYSTEM, 'user', n),
    subject: `Ticket ${n}`,
    status: n === 3 ? 'closed' : 'open',
    channel: 'email',
    createdAt: at(10 + n),
    updatedAt: at(10 + n),
  }));
  const entries: LegacyRecord[] = [1, 2, 3, 4, 5, 6].map((n) => ({
    entity: 'entry',
    externalId: legacyExternalId(SYSTEM, 'entry', n),
    ticketExternalId: legacyExternalId(SYSTEM, 'ticket', ((n - 1) % 3) + 1),
    direction: n % 2 === 0 ? 'outbound' : 'inbound',
    author: n % 2 === 0 ? { kind: 'staff', externalId: null, name: 'Staff' } : { kind: 'user', externalId: null, name: null },
    subject: null,
    text: `Entry ${n}`,
    html: null,
    attachments: [],
    occurredAt: at(20 + n),
    updatedAt: at(20 + n),
  }));
  return [...users, ...tickets, ...entries];
};

/**
 * The reference LegacySource: fixed records in memory, offset cursors, a change log for deltas.
 * `brokenPaging` repeats the last record of every page on the next one (the bug the contract catches).
 */
export class InMemoryLegacySource implements LegacySource {
  private readonly records: LegacyRecord[];
  // The change log: externalIds in the order they changed; a watermark is a position in it.
  private readonly changes: string[] = [];
  private next = 100;

  constructor(private readonly options: { brokenPaging?: boolean } = {}) {
    this.records = fixtureRecords();
  }

  async describe(): Promise<LegacyDescription> {
    return {
      system: SYSTEM,
      entities: (['user', 'ticket', 'entry'] as const).map((entity) => ({ entity, count: this.of(entity).length })),
    };
  }

  async read(entity: LegacyEntity, cursor: string | null, limit: number): Promise<LegacyPage> {
    const all = this.of(entity);
    const from = cursor === null ? 0 : Number(cursor);
    const records = all.slice(from, from + limit);
    const end = from + records.length;
    const resume = this.options.brokenPaging && records.length > 1 ? end - 1 : end;
    return { records, nextCursor: end < all.length ? String(resume) : null };
  }

  async changesSince(watermark: string | null, limit: number): Promise<LegacyChanges> {
    if (watermark === null) return { records: [], watermark: String(this.changes.length), more: false };
    const from = Number(watermark);
    const changed = this.changes.slice(from, from + limit);
    const records = changed.flatMap((id) => this.records.filter((r) => r.externalId === id));
    const position = from + changed.length;
    return { records, watermark: String(position), more: position < this.changes.length };
  }

  async testConnection(): Promise<Health> {
    return { status: 'up', detail: `${this.records.length} records` };
  }

  /** A customer writes again: a new entry on ticket 1. */
  change(): string {
    const externalId = legacyExternalId(SYSTEM, 'entry', this.next++);
    this.records.push({
      entity: 'entry',
      externalId,
      ticketExternalId: legacyExternalId(SYSTEM, 'ticket', 1),
      direction: 'inbound',
      author: { kind: 'user', externalId: legacyExternalId(SYSTEM, 'user', 1), name: null },
      subject: null,
      text: 'One more thing',
      html: null,
      attachments: [],
      occurredAt: at(59),
      updatedAt: at(59),
    });
    this.changes.push(externalId);
    return externalId;
  }

  private of(entity: LegacyEntity): LegacyRecord[] {
    return this.records.filter((r) => r.entity === entity);
  }
}
