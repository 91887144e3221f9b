import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultSetHeader } from 'mysql2/promise';
import {
  DomainError,
  legacyExternalId,
  secretPathsOf,
  type LegacyEntity,
  type LegacyEntry,
  type LegacyFailure,
  type LegacyRecord,
  type LegacySource,
  type LegacyTicket,
  type LegacyUser,
} from '@switchboard/core';
import { OsticketLegacySource } from '../osticket-legacy-source.js';
import { osticketConfigSchema } from '../legacy-osticket.plugin.js';
import { openTestMariadb, type MariadbServer } from '../testing/index.js';
import { osticketFixture, type OsticketFixture } from './fixture.js';

const ref = (entity: LegacyEntity, n: number) => legacyExternalId('osticket', entity, n);

const readAll = async (source: LegacySource, entity: LegacyEntity, limit = 50) => {
  const records: LegacyRecord[] = [];
  const failures: LegacyFailure[] = [];
  let cursor: string | null = null;
  do {
    const page = await source.read(entity, cursor, limit);
    records.push(...page.records);
    failures.push(...(page.failures ?? []));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { records, failures };
};

const drain = async (source: LegacySource, watermark: string, limit = 3) => {
  const records: LegacyRecord[] = [];
  const failures: LegacyFailure[] = [];
  let current = watermark;
  for (let round = 0; round < 1000; round += 1) {
    const next = await source.changesSince(current, limit);
    records.push(...next.records);
    failures.push(...(next.failures ?? []));
    current = next.watermark;
    if (!next.more) break;
  }
  return { records, failures, watermark: current };
};

let server: MariadbServer;
let fx: OsticketFixture;
beforeAll(async () => {
  server = await openTestMariadb();
  // A non-default prefix: every query must honour it.
  fx = await osticketFixture(server, { users: 40, tickets: 60, entries: 240, seed: 5, tablePrefix: 'helpdesk_' });
});
afterAll(async () => {
  await fx?.dispose();
  await server?.stop();
});

describe('osTicket source: a full read', () => {
  it('describes every entity with the generated counts (task threads are not tickets)', async () => {
    const { system, entities } = await fx.source.describe();
    expect(system).toBe('osticket');
    expect(Object.fromEntries(entities.map((e) => [e.entity, e.count]))).toEqual(fx.summary.counts);
  });

  it('reads users with all their addresses, the default one first, as written, plus phones and organisations', async () => {
    const { records, failures } = await readAll(fx.source, 'user', 7);
    expect(failures).toEqual([]);
    expect(records).toHaveLength(40);
    const users = records as LegacyUser[];
    const several = users.filter((u) => fx.summary.usersWithSeveralEmails.includes(Number(u.externalId.split(':').at(-1))));
    expect(several.length).toBeGreaterThan(0);
    for (const user of several) expect(user.identities.filter((i) => i.kind === 'email').length).toBeGreaterThan(1);
    const [rows] = await fx.sql.query<ResultSetHeader & { id: number; address: string }[]>(
      'SELECT u.id, e.address FROM helpdesk_user u JOIN helpdesk_user_email e ON e.id = u.default_email_id',
    );
    for (const row of rows) expect(users.find((u) => u.externalId === ref('user', row.id))?.identities[0]).toEqual({ kind: 'email', value: row.address });
    // Mixed case survives: normalising is the hub's identity rules' job, not the source's.
    expect(users.some((u) => u.identities.some((i) => i.kind === 'email' && /[A-Z]/.test(i.value)))).toBe(true);
    expect(users.some((u) => u.identities.some((i) => i.kind === 'phone'))).toBe(true);
    expect(users.some((u) => typeof u.organizationExternalId === 'string' && u.organizationExternalId.startsWith('legacy:osticket:organization:'))).toBe(true);
    expect(users.some((u) => /[^\x00-\x7F]/.test(u.name ?? ''))).toBe(true);
  });

  it('reads tickets with status, channel, priority, topic, department and assignee', async () => {
    const tickets = (await readAll(fx.source, 'ticket', 9)).records as LegacyTicket[];
    expect(tickets).toHaveLength(60);
    const closed = new Set(fx.summary.closedTickets.map((n) => ref('ticket', n)));
    for (const ticket of tickets) expect(ticket.status).toBe(closed.has(ticket.externalId) ? 'closed' : 'open');
    expect(new Set(tickets.map((t) => t.channel))).toEqual(new Set(['email', 'web', 'phone', 'api', 'other']));
    expect(tickets.every((t) => t.priority !== null && t.topicExternalId?.startsWith('legacy:osticket:topic:') && t.departmentExternalId?.startsWith('legacy:osticket:department:'))).toBe(true);
    expect(tickets.some((t) => t.assigneeExternalId?.startsWith('legacy:osticket:staff:'))).toBe(true);
    expect(tickets.filter((t) => t.status === 'closed').every((t) => t.closedAt instanceof Date)).toBe(true);
  });

  it('reads entries: messages, responses, internal notes, HTML and text bodies, empty ones, Message-IDs, in source order', async () => {
    const entries = (await readAll(fx.source, 'entry', 25)).records as LegacyEntry[];
    expect(entries).toHaveLength(240);
    const byId = new Map(entries.map((e) => [e.externalId, e]));
    expect([fx.summary.internalNotes.length, fx.summary.emptyEntries.length, fx.summary.messageIds.size].every((n) => n > 0)).toBe(true);
    for (const n of fx.summary.internalNotes) expect(byId.get(ref('entry', n))?.direction).toBe('internal');
    for (const n of fx.summary.emptyEntries) expect(byId.get(ref('entry', n))?.text).toBe('');
    for (const [n, mid] of fx.summary.messageIds) expect(byId.get(ref('entry', n))?.messageId).toBe(mid);
    expect(entries.some((e) => e.inReplyTo?.startsWith('<'))).toBe(true);
    const html = entries.find((e) => e.html !== null && e.html.includes('&amp;'));
    expect(html?.text).not.toContain('<p>');
    expect(html?.text).toContain('&');
    expect(entries.some((e) => e.html === null && e.text.length > 0)).toBe(true);
    expect(new Set(entries.map((e) => e.direction))).toEqual(new Set(['inbound', 'outbound', 'internal']));
    expect(entries.filter((e) => e.direction === 'inbound').every((e) => e.author.kind === 'user')).toBe(true);
    expect(entries.filter((e) => e.direction === 'outbound').every((e) => e.author.kind === 'staff' && e.author.externalId !== null)).toBe(true);
    // Tickets without entries have none, and every ticket's entries keep their original order in time.
    const tickets = new Set(entries.map((e) => e.ticketExternalId));
    for (const n of fx.summary.ticketsWithoutEntries) expect(tickets.has(ref('ticket', n))).toBe(false);
    expect(fx.summary.ticketsWithoutEntries.length).toBeGreaterThan(0);
    for (const ticket of tickets) {
      const times = entries.filter((e) => e.ticketExternalId === ticket).map((e) => e.occurredAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }
  });

  it('reads organisations, staff, departments and help topics', async () => {
    const organizations = (await readAll(fx.source, 'organization')).records;
    expect(organizations).toHaveLength(fx.summary.counts.organization);
    const staff = (await readAll(fx.source, 'staff')).records;
    expect(staff).toMatchObject([{ entity: 'staff', identities: [{ kind: 'email', value: 'agent1@helpdesk.example.com' }] }, {}, {}, {}, { active: false }]);
    const departments = (await readAll(fx.source, 'department')).records;
    expect(departments.find((d) => d.externalId === ref('department', 4))).toMatchObject({ name: 'Support – Tier 2', parentExternalId: ref('department', 1) });
    const topics = (await readAll(fx.source, 'topic')).records;
    expect(topics.find((t) => t.externalId === ref('topic', 3))).toMatchObject({ name: 'Access Issue', parentExternalId: ref('topic', 2) });
  });

  it('rejects a cursor of another entity, and a prefix that is not a table prefix', async () => {
    const page = await fx.source.read('user', null, 2);
    await expect(fx.source.read('ticket', page.nextCursor, 2)).rejects.toBeInstanceOf(DomainError);
    await expect(fx.source.changesSince('not-a-watermark', 2)).rejects.toMatchObject({ code: 'LEGACY.BAD_WATERMARK' });
    expect(() => new OsticketLegacySource({ ...fx.db, tablePrefix: 'ost_; DROP TABLE x', timezone: 'Z' })).toThrow(DomainError);
  });
});

describe('osTicket source: malformed rows', () => {
  it('reports a bad date, broken encoding and orphan entries with their reasons, and reads on past them', async () => {
    const [ticket] = await fx.sql.query<ResultSetHeader>(
      "INSERT INTO helpdesk_ticket (number, user_id, status_id, source, created, updated) VALUES ('999001', 1, 1, 'Web', '0000-00-00 00:00:00', '0000-00-00 00:00:00')",
    );
    const [orphanTicket] = await fx.sql.query<ResultSetHeader>("INSERT INTO helpdesk_ticket (number, user_id, status_id, source, created, updated) VALUES ('999002', 99999, 1, 'Web', NOW(), NOW())");
    const [noThread] = await fx.sql.query<ResultSetHeader>(
      "INSERT INTO helpdesk_thread_entry (thread_id, user_id, type, body, format, created, updated) VALUES (88888, 1, 'M', 'lost', 'text', NOW(), NOW())",
    );
    const [thread] = await fx.sql.query<ResultSetHeader>("INSERT INTO helpdesk_thread (object_id, object_type, created) VALUES (77777, 'T', NOW())");
    const [noTicket] = await fx.sql.query<ResultSetHeader>(
      "INSERT INTO helpdesk_thread_entry (thread_id, user_id, type, body, format, created, updated) VALUES (?, 1, 'M', 'lost too', 'text', NOW(), NOW())",
      [thread.insertId],
    );
    const [broken] = await fx.sql.query<ResultSetHeader>(
      "INSERT INTO helpdesk_thread_entry (thread_id, user_id, type, body, format, created, updated) VALUES (2, 1, 'M', 'Gr\uFFFD\uFFFDe', 'text', NOW(), NOW())",
    );
    const [good] = await fx.sql.query<ResultSetHeader>(
      "INSERT INTO helpdesk_thread_entry (thread_id, user_id, type, body, format, created, updated) VALUES (2, 1, 'M', 'still read', 'text', NOW(), NOW())",
    );
    try {
      const tickets = await readAll(fx.source, 'ticket', 4);
      expect(tickets.failures).toEqual([
        { entity: 'ticket', sourceId: String(ticket.insertId), reason: expect.stringContaining('created: missing') },
        { entity: 'ticket', sourceId: String(orphanTicket.insertId), reason: 'user_id: user 99999 does not exist' },
      ]);
      expect(tickets.records).toHaveLength(60);
      const entries = await readAll(fx.source, 'entry', 4);
      expect(entries.failures).toEqual([
        { entity: 'entry', sourceId: String(noThread.insertId), reason: 'thread_id: thread 88888 does not exist (orphan entry)' },
        { entity: 'entry', sourceId: String(noTicket.insertId), reason: `thread ${thread.insertId}: ticket 77777 does not exist (orphan entry)` },
        { entity: 'entry', sourceId: String(broken.insertId), reason: 'body: broken encoding (U+FFFD at character 2)' },
      ]);
      expect(entries.records.at(-1)?.externalId).toBe(ref('entry', good.insertId));
      // describe() counts failing rows too: records and failures add up.
      const counts = Object.fromEntries((await fx.source.describe()).entities.map((e) => [e.entity, e.count]));
      expect(counts['entry']).toBe(entries.records.length + entries.failures.length);
    } finally {
      await fx.sql.query('DELETE FROM helpdesk_ticket WHERE ticket_id IN (?)', [[ticket.insertId, orphanTicket.insertId]]);
      await fx.sql.query('DELETE FROM helpdesk_thread_entry WHERE id IN (?)', [[noThread.insertId, noTicket.insertId, broken.insertId, good.insertId]]);
      await fx.sql.query('DELETE FROM helpdesk_thread WHERE id = ?', [thread.insertId]);
    }
  });
});

describe('osTicket source: deltas from osTicket’s own markers', () => {
  it('finds exactly the changes: a new ticket, a new entry on an old ticket (ticket row untouched), a closed ticket, a new address', async () => {
    const start = await fx.source.changesSince(null, 10);
    expect((await fx.source.changesSince(start.watermark, 10)).records).toEqual([]);

    const later = '2025-06-01 10:00:00';
    const [ticket] = await fx.sql.query<ResultSetHeader>(
      "INSERT INTO helpdesk_ticket (number, user_id, status_id, dept_id, topic_id, source, created, updated) VALUES ('777001', 2, 1, 1, 1, 'Email', ?, ?)",
      [later, later],
    );
    await fx.sql.query("INSERT INTO helpdesk_ticket__cdata (ticket_id, subject, priority) VALUES (?, 'Neu: Drucker', '2')", [ticket.insertId]);
    const [thread] = await fx.sql.query<ResultSetHeader>("INSERT INTO helpdesk_thread (object_id, object_type, created) VALUES (?, 'T', ?)", [ticket.insertId, later]);
    const [first] = await fx.sql.query<ResultSetHeader>(
      "INSERT INTO helpdesk_thread_entry (thread_id, user_id, type, body, format, created, updated) VALUES (?, 2, 'M', 'Der Drucker', 'text', ?, ?)",
      [thread.insertId, later, later],
    );
    // An old ticket gets an entry; osTicket's old versions leave the entry's `updated` at zero and the ticket row alone.
    const [onOld] = await fx.sql.query<ResultSetHeader>(
      "INSERT INTO helpdesk_thread_entry (thread_id, user_id, type, body, format, created, updated) VALUES (3, 0, 'R', '<p>Done</p>', 'html', ?, '0000-00-00 00:00:00')",
      [later],
    );
    const open = Array.from({ length: 60 }, (_, n) => n + 1).find((n) => !fx.summary.closedTickets.includes(n)) ?? 1;
    await fx.sql.query("UPDATE helpdesk_ticket SET status_id = 3, closed = ?, updated = ? WHERE ticket_id = ?", [later, later, open]);
    await fx.sql.query("INSERT INTO helpdesk_user_email (user_id, address) VALUES (7, 'Second.Address@Example.ORG')");

    const delta = await drain(fx.source, start.watermark, 2);
    expect(delta.failures).toEqual([]);
    expect(delta.records.map((r) => r.externalId).sort()).toEqual(
      [ref('user', 7), ref('ticket', ticket.insertId), ref('ticket', open), ref('entry', first.insertId), ref('entry', onOld.insertId)].sort(),
    );
    expect(delta.records.find((r) => r.externalId === ref('ticket', open))).toMatchObject({ status: 'closed' });
    expect((delta.records.find((r) => r.externalId === ref('user', 7)) as LegacyUser).identities).toContainEqual({ kind: 'email', value: 'Second.Address@Example.ORG' });
    // Users before tickets before entries: the order the hub imports in.
    const order = delta.records.map((r) => r.entity);
    expect(order.indexOf('user')).toBeLessThan(order.indexOf('ticket'));
    expect(order.lastIndexOf('ticket')).toBeLessThan(order.indexOf('entry'));
    expect((await fx.source.changesSince(delta.watermark, 10)).records).toEqual([]);

    // An edit of an old entry (its `updated` moves past its `created`) is a change too.
    await fx.sql.query("UPDATE helpdesk_thread_entry SET body = 'edited', updated = '2025-07-01 00:00:00' WHERE id = 1");
    const edit = await drain(fx.source, delta.watermark);
    expect(edit.records.map((r) => r.externalId)).toEqual([ref('entry', 1)]);
  });
});

describe('osTicket source: write-back and connection', () => {
  it('writes a hub reply into the ticket thread once, however often it is sent', async () => {
    const reply = {
      interactionId: 'int_01JABCDEF',
      ticketExternalId: ref('ticket', 4),
      text: 'We fixed it — danke!',
      html: '<p>We fixed it — danke!</p>',
      agent: { id: 'agt_1', name: 'Zoë Agent' },
      occurredAt: new Date('2025-08-01T12:00:00Z'),
    };
    const written = await fx.source.writeBack(reply);
    expect(await fx.source.writeBack(reply)).toEqual(written);
    const [rows] = await fx.sql.query<ResultSetHeader & { n: number }[]>("SELECT COUNT(*) AS n FROM helpdesk_thread_entry WHERE poster = 'Zoë Agent'");
    expect(rows[0]?.n).toBe(1);
    const entries = (await readAll(fx.source, 'entry', 100)).records as LegacyEntry[];
    expect(entries.find((e) => e.externalId === written.externalId)).toMatchObject({
      ticketExternalId: ref('ticket', 4),
      direction: 'outbound',
      html: reply.html,
      text: 'We fixed it — danke!',
      occurredAt: reply.occurredAt,
      messageId: '<switchboard.int_01JABCDEF@switchboard.invalid>',
    });
    await expect(fx.source.writeBack({ ...reply, interactionId: 'int_2', ticketExternalId: ref('ticket', 123456) })).rejects.toMatchObject({ kind: 'not_found' });
    await expect(fx.source.writeBack({ ...reply, interactionId: 'int_3', ticketExternalId: 'legacy:zendesk:ticket:4' })).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('reports a wrong password as down, without the password, and marks it secret in the config', async () => {
    const wrong = new OsticketLegacySource({ ...fx.db, password: 'not-the-password-42', tablePrefix: 'helpdesk_', timezone: 'Z' });
    try {
      const health = await wrong.testConnection();
      expect(health.status).toBe('down');
      expect(health.detail).not.toContain('not-the-password-42');
    } finally {
      await wrong.close();
    }
    expect((await fx.source.testConnection()).status).toBe('up');
    expect(secretPathsOf(osticketConfigSchema)).toEqual([['password']]);
    expect(osticketConfigSchema.parse({ user: 'hub', password: 'x', database: 'osticket' })).toMatchObject({ host: '127.0.0.1', port: 3306, tablePrefix: 'ost_', writeBack: false });
  });
});
