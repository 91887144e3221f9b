import { appendFile, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { legacyExternalId, type LegacyEntity, type LegacyEntry, type LegacyFailure, type LegacyRecord, type LegacyTicket, type LegacyUser } from '@switchboard/core';
import { runLegacySourceContract } from '@switchboard/core/testing';
import { ZendeskFileSource } from '../zendesk-legacy-source.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const ref = (entity: LegacyEntity, id: number | string) => legacyExternalId('zendesk', entity, id);

const copyFixtures = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sb-zendesk-'));
  await cp(FIXTURES, dir, { recursive: true });
  return dir;
};

const readAll = async (source: ZendeskFileSource, entity: LegacyEntity) => {
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

runLegacySourceContract('Zendesk export files', async () => {
  const dir = await copyFixtures();
  let next = 9900;
  return {
    source: new ZendeskFileSource(dir),
    async change() {
      next += 1;
      const line = { id: next, ticket_id: 3, type: 'Comment', author_id: 1003, body: 'Any news?', public: true, created_at: '2022-03-01T08:00:00Z' };
      await appendFile(join(dir, 'ticket_comments.jsonl'), `${JSON.stringify(line)}\n`);
      return ref('entry', next);
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('Zendesk export files', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('reads API pages and JSON Lines, keeps the newest version of a repeated record, and turns agents into staff too', async () => {
    const source = new ZendeskFileSource(FIXTURES);
    const counts = Object.fromEntries((await source.describe()).entities.map((e) => [e.entity, e.count]));
    expect(counts).toEqual({ organization: 2, staff: 1, user: 5, ticket: 6, entry: 8 });
    const users = (await readAll(source, 'user')).records as LegacyUser[];
    expect(users.map((u) => u.externalId)).toEqual([ref('user', 1001), ref('user', 1002), ref('user', 1003), ref('user', 2001)]);
    expect(users[0]).toMatchObject({
      name: 'Zoë Müller',
      identities: [
        { kind: 'email', value: 'Zoe.Mueller@Example.COM' },
        { kind: 'email', value: 'zoe+billing@example.com' },
        { kind: 'phone', value: '+49 30 1234567' },
      ],
      organizationExternalId: ref('organization', 501),
    });
    // users-2.json is the later incremental page: its version of 1002 wins.
    expect(users[1]).toMatchObject({ identities: [{ kind: 'email', value: 'jose@example.org' }, { kind: 'phone', value: '+34 91 555 0101' }], organizationExternalId: ref('organization', 501) });
    expect((await readAll(source, 'staff')).records).toMatchObject([{ externalId: ref('staff', 2001), name: 'Agent Ólafur', active: true }]);
    expect((await readAll(source, 'organization')).records).toMatchObject([{ name: 'Müller & Söhne GmbH', domains: ['example.com'] }, { name: '株式会社サンプル' }]);
  });

  it('maps ticket status, channel, priority and assignee', async () => {
    const tickets = (await readAll(new ZendeskFileSource(FIXTURES), 'ticket')).records as LegacyTicket[];
    expect(tickets.map((t) => [t.externalId, t.status, t.channel])).toEqual([
      [ref('ticket', 1), 'closed', 'email'],
      [ref('ticket', 2), 'closed', 'web'],
      [ref('ticket', 3), 'pending', 'webchat'],
      [ref('ticket', 4), 'open', 'api'],
    ]);
    expect(tickets[0]).toMatchObject({ priority: 'high', assigneeExternalId: ref('staff', 2001), attributes: { status: 'solved', tags: ['billing'], type: 'problem', groupId: '360001' } });
  });

  it('reads comments from comment lines, audits and ticket events: direction, HTML and text, attachments, Message-ID', async () => {
    const entries = (await readAll(new ZendeskFileSource(FIXTURES), 'entry')).records as LegacyEntry[];
    const byId = new Map(entries.map((e) => [e.externalId, e]));
    expect(byId.get(ref('entry', 9001))).toMatchObject({
      ticketExternalId: ref('ticket', 1),
      direction: 'inbound',
      author: { kind: 'user', externalId: ref('user', 1001) },
      text: 'Ich habe die Rechnung zweimal bekommen.',
      html: expect.stringContaining('<b>zweimal</b>'),
      attachments: [{ name: 'rechnung.pdf', contentType: 'application/pdf', size: 48213, url: expect.stringContaining('rechnung.pdf') }],
      messageId: '<CAF1234@mail.example.com>',
      occurredAt: new Date('2021-06-01T08:00:00Z'),
    });
    expect(byId.get(ref('entry', 9002))).toMatchObject({ direction: 'internal', author: { kind: 'staff', externalId: ref('staff', 2001) } });
    expect(byId.get(ref('entry', 9003))?.direction).toBe('outbound');
    expect(byId.get(ref('entry', 9004))).toMatchObject({ text: '', html: null });
    expect(byId.get(ref('entry', 9101))).toMatchObject({ ticketExternalId: ref('ticket', 3), text: '注文番号は 12345 です 📦', author: { kind: 'user' }, occurredAt: new Date('2021-08-01T08:00:00Z') });
    expect(byId.get(ref('entry', 9103))).toMatchObject({ direction: 'outbound', occurredAt: new Date('2021-08-01T10:00:00Z') });
    expect(byId.get(ref('entry', 9201))).toMatchObject({ ticketExternalId: ref('ticket', 2), direction: 'outbound', occurredAt: new Date(1625472000 * 1000) });
    expect(entries).toHaveLength(7);
  });

  it('reports a bad date, a broken line, a missing requester and an orphan comment with their reasons', async () => {
    const source = new ZendeskFileSource(FIXTURES);
    expect((await readAll(source, 'user')).failures).toEqual([{ entity: 'user', sourceId: '1004', reason: 'created_at: not a date' }]);
    expect((await readAll(source, 'ticket')).failures).toEqual([
      { entity: 'ticket', sourceId: '5', reason: 'requester_id: user 9999 is not in the export' },
      { entity: 'ticket', sourceId: 'tickets-2.jsonl:4', reason: expect.stringMatching(/^not JSON/) },
    ]);
    expect((await readAll(source, 'entry')).failures).toEqual([{ entity: 'entry', sourceId: '9005', reason: expect.stringContaining('ticket 77 is not in the export') }]);
  });

  it('a newer incremental page dropped into the folder is a delta: changed tickets and new comments, nothing else', async () => {
    dir = await copyFixtures();
    const source = new ZendeskFileSource(dir);
    const start = await source.changesSince(null, 10);
    await writeFile(
      join(dir, 'tickets-3.jsonl'),
      [
        { id: 4, requester_id: 1003, subject: 'No comments on this one', status: 'solved', via: { channel: 'api' }, created_at: '2021-09-01T08:00:00Z', updated_at: '2022-05-01T08:00:00Z' },
        { id: 7, requester_id: 1002, subject: 'Neues Ticket', status: 'new', via: { channel: 'email' }, created_at: '2022-05-02T08:00:00Z', updated_at: '2022-05-02T08:00:00Z', comments: [{ id: 9301, author_id: 1002, body: 'Hallo', public: true, created_at: '2022-05-02T08:00:00Z' }] },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    const seen: string[] = [];
    let watermark = start.watermark;
    for (let round = 0; round < 20; round += 1) {
      const next = await source.changesSince(watermark, 1);
      seen.push(...next.records.map((r) => r.externalId));
      watermark = next.watermark;
      if (!next.more) break;
    }
    expect(seen).toEqual([ref('ticket', 4), ref('ticket', 7), ref('entry', 9301)]);
    expect((await source.changesSince(watermark, 10)).records).toEqual([]);
  });
});
