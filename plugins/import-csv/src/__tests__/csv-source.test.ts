import { appendFile, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { legacyExternalId, type LegacyEntity, type LegacyEntry, type LegacyFailure, type LegacyRecord } from '@switchboard/core';
import { runLegacySourceContract } from '@switchboard/core/testing';
import { CsvFileSource } from '../csv-legacy-source.js';
import { loadCsvMapping } from '../csv-export.js';
import importCsvPlugin from '../index.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const MAPPING = join(FIXTURES, 'mapping.yaml');
const ref = (entity: LegacyEntity, id: string) => legacyExternalId('acme-desk', entity, id);

const copyFixtures = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sb-csv-'));
  await cp(FIXTURES, dir, { recursive: true });
  return dir;
};

const readAll = async (source: CsvFileSource, entity: LegacyEntity) => {
  const records: LegacyRecord[] = [];
  const failures: LegacyFailure[] = [];
  let cursor: string | null = null;
  do {
    const page = await source.read(entity, cursor, 2);
    records.push(...page.records);
    failures.push(...(page.failures ?? []));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { records, failures };
};

runLegacySourceContract('CSV files with a mapping', async () => {
  const dir = await copyFixtures();
  let next = 50;
  return {
    source: new CsvFileSource(join(dir, 'mapping.yaml')),
    async change() {
      next += 1;
      await appendFile(join(dir, 'messages.csv'), `${next};101;Kunde;Jean-Luc;Toujours rien;;;2022-01-01 10:00\n`);
      return ref('entry', String(next));
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('CSV files with a mapping', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('maps columns, value maps, several addresses in one cell, quoted cells with delimiters and line breaks, local times', async () => {
    const source = new CsvFileSource(MAPPING);
    expect(Object.fromEntries((await source.describe()).entities.map((e) => [e.entity, e.count]))).toEqual({ organization: 2, user: 4, ticket: 5, entry: 7 });
    const users = (await readAll(source, 'user')).records;
    expect(users[0]).toMatchObject({
      externalId: ref('user', 'K1'),
      name: 'Zoë Müller',
      identities: [
        { kind: 'email', value: 'Zoe@Mueller.Example' },
        { kind: 'email', value: 'zoe.privat@example.com' },
        { kind: 'email', value: 'zoe+shop@example.com' },
        { kind: 'phone', value: '+49 30 1111' },
      ],
      organizationExternalId: ref('organization', 'C1'),
      attributes: { language: 'de' },
      createdAt: new Date('2020-01-01T08:00:00Z'),
    });
    const tickets = (await readAll(source, 'ticket')).records;
    expect(tickets.map((t) => (t.entity === 'ticket' ? [t.externalId, t.status, t.channel, t.subject] : null))).toEqual([
      [ref('ticket', '100'), 'closed', 'email', 'Rechnung doppelt'],
      [ref('ticket', '101'), 'open', 'web', 'Commande; pas reçue'],
      [ref('ticket', '102'), 'pending', 'phone', '注文について'],
    ]);
    const entries = (await readAll(source, 'entry')).records as LegacyEntry[];
    expect(entries.map((e) => e.direction)).toEqual(['inbound', 'internal', 'outbound', 'inbound', 'inbound', 'outbound']);
    expect(entries[0]).toMatchObject({ text: 'Ich habe zwei Rechnungen.\nBitte prüfen.', messageId: '<a1@mueller.example>', author: { kind: 'user', name: 'Zoë Müller' } });
    expect(entries[2]).toMatchObject({ html: '<p>Erledigt!</p>', text: 'Erledigt!' });
    expect(entries[3]).toMatchObject({ text: '', html: null });
  });

  it('reports a bad date, an unknown customer, an unmapped state and an orphan message with their reasons', async () => {
    const source = new CsvFileSource(MAPPING);
    expect((await readAll(source, 'user')).failures).toEqual([{ entity: 'user', sourceId: 'K4', reason: 'created: not a date ("31.02.2020")' }]);
    expect((await readAll(source, 'ticket')).failures).toEqual([
      { entity: 'ticket', sourceId: '103', reason: 'customer_no: user "K9" is not in customers.csv' },
      { entity: 'ticket', sourceId: '104', reason: 'state: "Vielleicht" is none of open, pending, closed (map it in the mapping file)' },
    ]);
    expect((await readAll(source, 'entry')).failures).toEqual([{ entity: 'entry', sourceId: '7', reason: 'case_no: ticket "999" is not in cases.csv (orphan entry)' }]);
  });

  it('rows appended later are a delta; a row the CSV parser cannot read is a failure and the rest is read', async () => {
    dir = await copyFixtures();
    const source = new CsvFileSource(join(dir, 'mapping.yaml'));
    const start = await source.changesSince(null, 10);
    await appendFile(join(dir, 'cases.csv'), '105;K2;Nouvelle demande;Neu;Mail;;2022-02-01 10:00;2022-02-01 10:00\n');
    await appendFile(join(dir, 'messages.csv'), '8;105;Kunde;Jean-Luc;Bonjour;;;2022-02-01 10:00\n9;100;Agent;Agent Ana;"never closed quote;;;2022-02-02 10:00\n');
    const delta = await source.changesSince(start.watermark, 10);
    expect(delta.records.map((r) => r.externalId)).toEqual([ref('ticket', '105'), ref('entry', '8')]);
    expect((await readAll(source, 'entry')).failures).toContainEqual({ entity: 'entry', sourceId: 'messages.csv:11', reason: expect.stringMatching(/^not CSV: Quote Not Closed/) });
  });

  it('rejects a broken mapping with the field it is about, at boot', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-csv-'));
    const bad = join(dir, 'mapping.json');
    await writeFile(bad, JSON.stringify({ system: 'Acme Desk', entities: {} }));
    await expect(loadCsvMapping(bad)).rejects.toMatchObject({ code: 'LEGACY.CSV_MAPPING', message: expect.stringContaining('system: a system name is [a-z0-9-]+') });
    await expect(Promise.resolve(importCsvPlugin.create({} as never, { mapping: bad }))).rejects.toMatchObject({ code: 'LEGACY.CSV_MAPPING' });
  });
});
