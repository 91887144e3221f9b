import { expect } from 'vitest';
import { ALL_LEGACY_ENTITIES, LEGACY_ENTITIES, parseLegacyExternalId, type LegacyFailure, type LegacyEntity, type LegacyRecord, type LegacySource } from '../plugin-api/legacy-source.port.js';
import { describeContract, type ContractCheck, type Disposable } from './contract-check.js';

/**
 * A legacy source made for one check, holding at least 3 users, 3 tickets and 5 entries (enough
 * for several pages at the small limits the checks use).
 */
export interface LegacySourceUnderTest extends Disposable {
  source: LegacySource;
  /** Changes one existing record in the source (a new entry, an edited ticket) and answers its external id. */
  change(): Promise<string>;
}

const readEntity = async (
  source: LegacySource,
  entity: LegacyEntity,
  limit: number,
): Promise<{ records: LegacyRecord[]; failures: LegacyFailure[]; pages: number }> => {
  const records: LegacyRecord[] = [];
  const failures: LegacyFailure[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await source.read(entity, cursor, limit);
    expect(page.records.length + (page.failures?.length ?? 0)).toBeLessThanOrEqual(limit);
    records.push(...page.records);
    failures.push(...(page.failures ?? []));
    cursor = page.nextCursor;
    pages += 1;
    if (pages > 10_000) throw new Error(`read(${entity}) never ends: the cursor does not advance`);
  } while (cursor !== null);
  return { records, failures, pages };
};

// The three every source has, plus the reference entities it describes.
const entitiesOf = async (source: LegacySource): Promise<LegacyEntity[]> => {
  const described = new Set((await source.describe()).entities.map((e) => e.entity));
  return ALL_LEGACY_ENTITIES.filter((entity) => LEGACY_ENTITIES.includes(entity) || described.has(entity));
};

const readEverything = async (source: LegacySource, limit = 2) => {
  const all = new Map<LegacyEntity, LegacyRecord[]>();
  for (const entity of await entitiesOf(source)) all.set(entity, (await readEntity(source, entity, limit)).records);
  return all;
};

const ids = (records: readonly LegacyRecord[]) => records.map((r) => r.externalId);

export const legacySourceChecks: readonly ContractCheck<LegacySourceUnderTest>[] = [
  {
    name: 'describes its system and the count of each entity, which reading confirms',
    async run({ source }) {
      const description = await source.describe();
      expect(description.system).toMatch(/^[a-z0-9-]+$/);
      for (const entity of await entitiesOf(source)) {
        const counted = description.entities.find((e) => e.entity === entity)?.count ?? 0;
        // A row that fails to read is still a row of the source: records and failures add up to the count.
        const { records, failures } = await readEntity(source, entity, 2);
        for (const failure of failures) expect(failure).toMatchObject({ entity, sourceId: expect.any(String), reason: expect.any(String) });
        expect({ entity, count: records.length + failures.length }).toEqual({ entity, count: counted });
      }
      const all = await readEverything(source);
      expect(all.get('user')?.length).toBeGreaterThanOrEqual(3);
      expect(all.get('ticket')?.length).toBeGreaterThanOrEqual(3);
      expect(all.get('entry')?.length).toBeGreaterThanOrEqual(5);
    },
  },
  {
    name: 'pages through each entity without a repeat or a gap, whatever the page size',
    async run({ source }) {
      for (const entity of await entitiesOf(source)) {
        const whole = ids((await readEntity(source, entity, 1000)).records);
        expect(new Set(whole).size).toBe(whole.length);
        for (const limit of [1, 2, 3]) {
          const paged = await readEntity(source, entity, limit);
          expect(ids(paged.records)).toEqual(whole);
          expect(paged.records.every((r) => r.entity === entity)).toBe(true);
        }
      }
    },
  },
  {
    name: 'resumes from a cursor: the same cursor gives the same page',
    async run({ source }) {
      const first = await source.read('entry', null, 2);
      expect(first.nextCursor).not.toBeNull();
      const second = await source.read('entry', first.nextCursor, 2);
      const again = await source.read('entry', first.nextCursor, 2);
      expect(ids(again.records)).toEqual(ids(second.records));
      expect(again.nextCursor).toEqual(second.nextCursor);
      expect(ids(second.records).some((id) => ids(first.records).includes(id))).toBe(false);
    },
  },
  {
    name: 'names every record legacy:<system>:<entity>:<id>, and links tickets to users and entries to tickets',
    async run({ source }) {
      const { system } = await source.describe();
      const all = await readEverything(source, 100);
      for (const [entity, records] of all) {
        for (const record of records) expect(parseLegacyExternalId(record.externalId)).toMatchObject({ system, entity });
      }
      const users = new Set(ids(all.get('user') ?? []));
      const tickets = new Set(ids(all.get('ticket') ?? []));
      for (const ticket of all.get('ticket') ?? []) if (ticket.entity === 'ticket') expect(users.has(ticket.userExternalId)).toBe(true);
      for (const entry of all.get('entry') ?? []) if (entry.entity === 'entry') expect(tickets.has(entry.ticketExternalId)).toBe(true);
    },
  },
  {
    name: 'reports a change made after a watermark, and nothing more once caught up',
    async run({ source, change }) {
      const start = await source.changesSince(null, 100);
      expect(typeof start.watermark).toBe('string');
      const quiet = await source.changesSince(start.watermark, 100);
      expect(quiet.records).toEqual([]);
      const changed = await change();
      const delta: LegacyRecord[] = [];
      let watermark = quiet.watermark;
      for (let round = 0; round < 100; round += 1) {
        const next = await source.changesSince(watermark, 1);
        delta.push(...next.records);
        watermark = next.watermark;
        if (!next.more) break;
      }
      expect(ids(delta)).toContain(changed);
      expect((await source.changesSince(watermark, 100)).records).toEqual([]);
    },
  },
  {
    name: 'passes its connection test',
    async run({ source }) {
      expect((await source.testConnection()).status).toBe('up');
    },
  },
];

/** The conformance suite every LegacySource adapter passes. */
export function runLegacySourceContract(name: string, makeSource: () => Promise<LegacySourceUnderTest>): void {
  describeContract(`LegacySource contract: ${name}`, legacySourceChecks, makeSource);
}
