import { describe, expect, it } from 'vitest';
import { runLegacySourceContract } from '../../testing/legacy-source.contract.js';
import { fixtureRecords } from '../../testing/__tests__/in-memory-legacy-source.js';
import { LegacyRecordSet } from '../legacy-record-set.js';
import { legacyExternalId, type LegacyRecord, type LegacySource } from '../legacy-source.port.js';

const sourceOver = (get: () => LegacyRecordSet): LegacySource => ({
  describe: async () => get().describe(),
  read: async (entity, cursor, limit) => get().read(entity, cursor, limit),
  changesSince: async (watermark, limit) => get().changesSince(watermark, limit),
  testConnection: async () => ({ status: 'up' }),
});

runLegacySourceContract('LegacyRecordSet', async () => {
  const records: LegacyRecord[] = fixtureRecords().map((r) => ({ ...r, externalId: r.externalId.replace(':fixture:', ':files:') }) as LegacyRecord);
  for (const record of records) {
    if (record.entity === 'ticket') record.userExternalId = record.userExternalId.replace(':fixture:', ':files:');
    if (record.entity === 'entry') record.ticketExternalId = record.ticketExternalId.replace(':fixture:', ':files:');
  }
  let set = new LegacyRecordSet('files', records, [{ entity: 'entry', sourceId: 'export.csv:9', reason: 'not CSV' }]);
  let next = 100;
  return {
    source: sourceOver(() => set),
    async change() {
      next += 1;
      const externalId = legacyExternalId('files', 'entry', next);
      records.push({
        entity: 'entry',
        externalId,
        ticketExternalId: legacyExternalId('files', 'ticket', 1),
        direction: 'inbound',
        author: { kind: 'user', externalId: null, name: null },
        subject: null,
        text: 'again',
        html: null,
        attachments: [],
        occurredAt: new Date('2026-01-01T00:00:00Z'),
        updatedAt: new Date('2026-01-01T00:00:00Z'),
      });
      set = new LegacyRecordSet('files', records);
      return externalId;
    },
    dispose: async () => undefined,
  };
});

describe('LegacyRecordSet', () => {
  it('orders numeric ids as numbers, keeps failures in place, and rejects foreign cursors and watermarks', () => {
    const user = (id: string): LegacyRecord => ({
      entity: 'user',
      externalId: legacyExternalId('files', 'user', id),
      name: null,
      identities: [],
      attributes: {},
      createdAt: new Date(0),
      updatedAt: new Date(0),
    });
    const set = new LegacyRecordSet('files', [user('10'), user('2'), user('b')], [{ entity: 'user', sourceId: 'a', reason: 'bad' }]);
    const page = set.read('user', null, 3);
    expect(page.records.map((r) => r.externalId)).toEqual([legacyExternalId('files', 'user', '2'), legacyExternalId('files', 'user', '10')]);
    expect(page.failures).toEqual([{ entity: 'user', sourceId: 'a', reason: 'bad' }]);
    expect(set.read('user', page.nextCursor, 3).records.map((r) => r.externalId)).toEqual([legacyExternalId('files', 'user', 'b')]);
    expect(set.describe().entities).toEqual([
      { entity: 'user', count: 4 },
      { entity: 'ticket', count: 0 },
      { entity: 'entry', count: 0 },
    ]);
    expect(() => set.read('ticket', page.nextCursor, 3)).toThrow(/not a cursor of ticket/);
    expect(() => set.changesSince('%%%', 3)).toThrow(/not a watermark/);
  });
});
