import type { Connection } from 'mysql2/promise';
import { OSTICKET_TABLES, osticketTables } from './osticket-schema.js';

/** How much to generate. Same seed and sizes, same data. */
export interface OsticketDataOptions {
  users: number;
  tickets: number;
  /** Thread entries of tickets in all (tickets without entries are part of `tickets`). */
  entries: number;
  seed?: number;
  tablePrefix?: string;
  /** Rows per multi-row INSERT. */
  batchSize?: number;
}

/** What was generated, for assertions: counts per entity and the ids of the interesting cases. */
export interface OsticketDataSummary {
  counts: { organization: number; staff: number; department: number; topic: number; user: number; ticket: number; entry: number };
  /** Users that have more than one address. */
  usersWithSeveralEmails: number[];
  /** Tickets that have no thread entry at all. */
  ticketsWithoutEntries: number[];
  /** Thread entries with an empty body. */
  emptyEntries: number[];
  /** Internal notes (type N). */
  internalNotes: number[];
  /** Entries that carry an email Message-ID, with it. */
  messageIds: Map<number, string>;
  closedTickets: number[];
  /** Entries of task threads (object_type A): not tickets, so not read. */
  taskEntries: number;
}

// mulberry32: small, fast, seeded; good enough to vary test data.
const prng = (seed: number) => {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    chance: (p: number) => next() < p,
  };
};

const FIRST = ['José', 'Zoë', 'Łukasz', 'Ærin', 'Søren', 'Mária', 'Ngozi', 'Anna', 'Jean-Luc', 'Chloé', 'Björn', 'İlkay', 'Nguyễn', 'Олег', 'Μαρία', 'さくら', '王', 'محمد', 'Dvořák', 'O’Brien'];
const LAST = ['García', 'Müller', 'Øster', 'Smith', 'Kowalski', 'Nakamura', 'Петрова', 'Παπαδόπουλος', 'Lefèvre', 'Şahin', 'van der Berg', 'Ó Súilleabháin', '李', 'Al-Amin', 'Brontë', 'Đặng'];
const ASCII: Record<string, string> = { é: 'e', ë: 'e', è: 'e', ł: 'l', æ: 'ae', ø: 'o', á: 'a', ö: 'o', ü: 'u', ő: 'o', ş: 's', ı: 'i', ğ: 'g', ó: 'o', ř: 'r', đ: 'd', ặ: 'a', ễ: 'e' };
const DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'Example.co.uk', 'kunden.example.de'];
const SUBJECTS = [
  'Cannot log in since the update',
  'Rechnung doppelt erhalten',
  'Problème de connexion à l’espace client',
  'Заказ не доставлен',
  '注文がまだ届きません',
  'Refund for order #{n} 💸',
  'Printer on floor 3 jams again',
  'VPN drops every 10 minutes',
  '',
  'Re: Re: Fwd: contract renewal',
];
const LINES = [
  'Hello, I still have the problem described below.',
  'Grüße aus München — das Formular lädt nicht.',
  'Merci d’avance pour votre aide !',
  'Спасибо, жду ответа.',
  'よろしくお願いします。',
  'It works now 🎉 thanks!',
  'Steps: 1) open the app 2) tap "Pay" 3) nothing happens <not a tag> & so on',
  'Error code: 0x80070005 (access denied)',
];

const lower = (text: string) =>
  text
    .toLowerCase()
    .split('')
    .map((c) => ASCII[c] ?? c)
    .join('')
    .replace(/[^a-z0-9]+/g, '');

const pad = (n: number) => String(n).padStart(2, '0');
/** osTicket's DATETIME text, UTC. */
export const sqlDate = (date: Date): string =>
  `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;

const escapeHtml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Buffers rows per table and writes them with multi-row INSERTs. */
class Inserter {
  // One buffer per table and column list.
  private readonly buffers = new Map<string, { table: string; columns: string[]; rows: unknown[][] }>();
  constructor(
    private readonly connection: Connection,
    private readonly prefix: string,
    private readonly batchSize: number,
  ) {}

  async add(table: string, columns: string[], row: unknown[]): Promise<void> {
    const key = `${table}(${columns.join(',')})`;
    let buffer = this.buffers.get(key);
    if (buffer === undefined) {
      buffer = { table, columns, rows: [] };
      this.buffers.set(key, buffer);
    }
    buffer.rows.push(row);
    if (buffer.rows.length >= this.batchSize) await this.write(buffer);
  }

  async flush(): Promise<void> {
    for (const buffer of this.buffers.values()) await this.write(buffer);
  }

  private async write(buffer: { table: string; columns: string[]; rows: unknown[][] }): Promise<void> {
    if (buffer.rows.length === 0) return;
    const rows = buffer.rows;
    buffer.rows = [];
    const columns = buffer.columns.map((c) => `\`${c}\``).join(', ');
    await this.connection.query(`INSERT INTO \`${this.prefix}${buffer.table}\` (${columns}) VALUES ?`, [rows]);
  }
}

/** Creates the osTicket tables (see osticket-schema.ts) in the connection's database. */
export const createOsticketSchema = async (connection: Connection, tablePrefix = 'ost_'): Promise<void> => {
  for (const statement of osticketTables(tablePrefix)) await connection.query(statement);
};

/**
 * Fills a fresh osTicket schema with seeded, realistic data: unicode names and bodies, HTML and
 * plain-text entries, empty bodies, users with several addresses (mixed case, plus-addressing and
 * dotted look-alikes), organisations, staff, departments and help topics, tickets of every source
 * and state (some without entries), messages, responses and internal notes, email Message-IDs and
 * In-Reply-To headers, and a few task threads that are not tickets.
 */
export const generateOsticketData = async (connection: Connection, options: OsticketDataOptions): Promise<OsticketDataSummary> => {
  const prefix = options.tablePrefix ?? 'ost_';
  const random = prng(options.seed ?? 1);
  const out = new Inserter(connection, prefix, options.batchSize ?? 1000);
  const summary: OsticketDataSummary = {
    counts: { organization: 0, staff: 0, department: 0, topic: 0, user: options.users, ticket: options.tickets, entry: 0 },
    usersWithSeveralEmails: [],
    ticketsWithoutEntries: [],
    emptyEntries: [],
    internalNotes: [],
    messageIds: new Map(),
    closedTickets: [],
    taskEntries: 0,
  };
  const epoch = Date.UTC(2019, 0, 1);
  const span = Date.UTC(2024, 11, 31) - epoch;
  const now = sqlDate(new Date(Date.UTC(2025, 0, 1)));

  await connection.query("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION', unique_checks = 0, foreign_key_checks = 0");
  await connection.beginTransaction();

  // Reference data, as a fresh osTicket install and a little use leave it.
  const statuses: [number, string, string][] = [
    [1, 'Open', 'open'],
    [2, 'Resolved', 'closed'],
    [3, 'Closed', 'closed'],
    [4, 'Archived', 'archived'],
    [5, 'Deleted', 'deleted'],
  ];
  for (const [id, name, state] of statuses) await out.add('ticket_status', ['id', 'name', 'state', 'mode', 'sort', 'properties', 'created', 'updated'], [id, name, state, 3, id, '{}', now, now]);
  const priorities = ['Low', 'Normal', 'High', 'Emergency'];
  for (const [index, name] of priorities.entries()) {
    await out.add('ticket_priority', ['priority_id', 'priority', 'priority_desc', 'priority_color', 'priority_urgency', 'ispublic'], [index + 1, name.toLowerCase(), name, '#DDFFDD', 4 - index, 1]);
  }
  const departments: [number, number | null, string][] = [
    [1, null, 'Support'],
    [2, null, 'Sales'],
    [3, null, 'Maintenance'],
    [4, 1, 'Support – Tier 2'],
  ];
  for (const [id, pid, name] of departments) {
    await out.add('department', ['id', 'pid', 'name', 'signature', 'path', 'created', 'updated'], [id, pid, name, '', pid === null ? `/${id}/` : `/${pid}/${id}/`, now, now]);
  }
  summary.counts.department = departments.length;
  const topics: [number, number, string, number][] = [
    [1, 0, 'General Inquiry', 1],
    [2, 0, 'Report a Problem', 1],
    [3, 2, 'Access Issue', 4],
    [4, 0, 'Facturation / Billing', 2],
  ];
  for (const [id, pid, topic, dept] of topics) {
    await out.add('help_topic', ['topic_id', 'topic_pid', 'topic', 'dept_id', 'priority_id', 'notes', 'created', 'updated'], [id, pid, topic, dept, 2, null, now, now]);
  }
  summary.counts.topic = topics.length;
  const staffCount = 5;
  for (let id = 1; id <= staffCount; id += 1) {
    const first = random.pick(FIRST);
    const last = random.pick(LAST);
    await out.add(
      'staff',
      ['staff_id', 'dept_id', 'role_id', 'username', 'firstname', 'lastname', 'email', 'signature', 'isactive', 'isadmin', 'created', 'updated'],
      [id, random.pick([1, 2, 3, 4]), 1, `agent${id}`, first, last, `agent${id}@helpdesk.example.com`, `— ${first}`, id === staffCount ? 0 : 1, id === 1 ? 1 : 0, now, now],
    );
  }
  summary.counts.staff = staffCount;
  const organizations = Math.max(1, Math.floor(options.users / 10));
  for (let id = 1; id <= organizations; id += 1) {
    const name = `${random.pick(LAST)} ${random.pick(['GmbH', 'S.A.', 'Ltd', '株式会社', 'AB', 'Inc.'])} ${id}`;
    const created = sqlDate(new Date(epoch + random.int(span / 2)));
    await out.add('organization', ['id', 'name', 'manager', 'status', 'domain', 'extra', 'created', 'updated'], [id, name, '', 0, id % 3 === 0 ? '' : `org${id}.example.com`, null, created, created]);
  }
  summary.counts.organization = organizations;

  // Users with one to three addresses; the first is the default one.
  let emailId = 0;
  const userEmails = new Map<number, number>();
  for (let id = 1; id <= options.users; id += 1) {
    const first = random.pick(FIRST);
    const last = random.pick(LAST);
    const local = `${lower(first) || 'user'}.${lower(last) || 'x'}${id}`;
    const domain = random.pick(DOMAINS);
    const addresses = [random.chance(0.3) ? `${first.slice(0, 1).toUpperCase()}${local.slice(1)}@${domain.toUpperCase()}` : `${local}@${domain}`];
    if (random.chance(0.25)) addresses.push(`${local}+billing@${domain.toLowerCase()}`);
    if (random.chance(0.15)) addresses.push(`${local.replace('.', '')}@${random.pick(DOMAINS).toLowerCase()}`);
    const created = new Date(epoch + random.int(span));
    const updated = random.chance(0.2) ? new Date(created.getTime() + random.int(86_400_000 * 30)) : created;
    const defaultEmailId = emailId + 1;
    for (const address of addresses) {
      emailId += 1;
      await out.add('user_email', ['id', 'user_id', 'flags', 'address'], [emailId, id, 0, address]);
    }
    userEmails.set(id, defaultEmailId);
    if (addresses.length > 1) summary.usersWithSeveralEmails.push(id);
    const name = random.chance(0.05) ? '' : `${first} ${last}`;
    await out.add('user', ['id', 'org_id', 'default_email_id', 'status', 'name', 'created', 'updated'], [id, random.chance(0.6) ? 1 + random.int(organizations) : 0, defaultEmailId, 0, name, sqlDate(created), sqlDate(updated)]);
    const phone = random.chance(0.4) ? `+${random.pick(['49', '33', '1', '81', '44'])} ${100 + random.int(900)} ${1000000 + random.int(9000000)}` : null;
    await out.add('user__cdata', ['user_id', 'email', 'name', 'phone', 'notes'], [id, null, name, phone, random.chance(0.1) ? 'VIP — call before 10:00' : null]);
  }

  // Tickets, each with a thread; entries spread over the tickets that have some.
  const withoutEntries = new Set<number>();
  for (let id = 1; id <= options.tickets; id += 1) if (options.tickets > 2 && random.chance(0.05)) withoutEntries.add(id);
  const ticketsWithEntries = options.tickets - withoutEntries.size;
  const entriesFor = new Map<number, number>();
  if (ticketsWithEntries > 0 && options.entries > 0) {
    let left = options.entries;
    const eligible: number[] = [];
    for (let id = 1; id <= options.tickets; id += 1) if (!withoutEntries.has(id)) eligible.push(id);
    for (const id of eligible) {
      if (left === 0) break;
      entriesFor.set(id, 1);
      left -= 1;
    }
    while (left > 0) {
      const id = random.pick(eligible);
      entriesFor.set(id, (entriesFor.get(id) ?? 0) + 1);
      left -= 1;
    }
  }
  for (let id = 1; id <= options.tickets; id += 1) if ((entriesFor.get(id) ?? 0) === 0) withoutEntries.add(id);
  summary.ticketsWithoutEntries = [...withoutEntries].sort((a, b) => a - b);

  let entryId = 0;
  const ticketSpan = span / Math.max(1, options.tickets);
  for (let id = 1; id <= options.tickets; id += 1) {
    const userId = 1 + random.int(Math.max(1, options.users));
    const created = new Date(epoch + Math.floor(ticketSpan * (id - 1)) + random.int(Math.max(1, Math.floor(ticketSpan))));
    const status = random.pick([1, 1, 1, 2, 3, 3, 4]);
    const closed = status !== 1;
    if (closed) summary.closedTickets.push(id);
    const source = random.pick(['Email', 'Email', 'Web', 'Phone', 'API', 'Other']);
    const topic = random.pick(topics);
    const count = entriesFor.get(id) ?? 0;
    let at = created.getTime();
    const entryTimes: number[] = [];
    for (let n = 0; n < count; n += 1) {
      at += 60_000 + random.int(86_400_000);
      entryTimes.push(at);
    }
    const last = new Date(entryTimes.at(-1) ?? created.getTime());
    const staffId = random.chance(0.7) ? 1 + random.int(staffCount) : 0;
    await out.add(
      'ticket',
      ['ticket_id', 'number', 'user_id', 'user_email_id', 'status_id', 'dept_id', 'topic_id', 'staff_id', 'source', 'isanswered', 'closed', 'lastupdate', 'created', 'updated'],
      [id, String(100000 + id * 7), userId, userEmails.get(userId) ?? 0, status, topic[3], topic[0], staffId, source, count > 1 ? 1 : 0, closed ? sqlDate(last) : null, sqlDate(last), sqlDate(created), sqlDate(last)],
    );
    const subject = random.pick(SUBJECTS).replace('{n}', String(id));
    await out.add('ticket__cdata', ['ticket_id', 'subject', 'priority'], [id, subject, String(1 + random.int(priorities.length))]);
    await out.add('thread', ['id', 'object_id', 'object_type', 'lastmessage', 'created'], [id, id, 'T', sqlDate(last), sqlDate(created)]);

    let previousMid: string | null = null;
    for (let n = 0; n < count; n += 1) {
      entryId += 1;
      const type = n === 0 ? 'M' : random.pick(['M', 'R', 'R', 'N']);
      const html = random.chance(0.6);
      const lines = Array.from({ length: 1 + random.int(4) }, () => random.pick(LINES));
      const empty = random.chance(0.04);
      const body = empty ? '' : html ? `<div><p>${lines.map(escapeHtml).join('</p><p>')}</p><br /><blockquote>&gt; ${escapeHtml(random.pick(LINES))}</blockquote></div>` : lines.join('\n');
      if (empty) summary.emptyEntries.push(entryId);
      if (type === 'N') summary.internalNotes.push(entryId);
      const byUser = type === 'M';
      const poster = byUser ? '' : `Agent ${1 + random.int(staffCount)}`;
      const time = sqlDate(new Date(entryTimes[n] ?? created.getTime()));
      // Old installs left `updated` at the zero date for entries never edited.
      const updated = random.chance(0.1) ? '0000-00-00 00:00:00' : time;
      await out.add(
        'thread_entry',
        ['id', 'pid', 'thread_id', 'staff_id', 'user_id', 'type', 'flags', 'poster', 'source', 'title', 'body', 'format', 'ip_address', 'created', 'updated'],
        [entryId, 0, id, byUser ? 0 : 1 + random.int(staffCount), byUser ? userId : 0, type, 0, poster, source === 'Email' ? 'Email' : 'Web', n === 0 ? subject : null, body, html ? 'html' : 'text', '', time, updated],
      );
      if (source === 'Email' && type !== 'N') {
        const mid = `<${id}.${entryId}.${random.int(1e9).toString(36)}@${byUser ? 'mail.example.net' : 'helpdesk.example.com'}>`;
        const headers = previousMid === null ? `Message-ID: ${mid}\r\n` : `Message-ID: ${mid}\r\nIn-Reply-To: ${previousMid}\r\nReferences: ${previousMid}\r\n`;
        await out.add('thread_entry_email', ['thread_entry_id', 'email_id', 'mid', 'headers'], [entryId, 1, mid, headers]);
        summary.messageIds.set(entryId, mid);
        previousMid = mid;
      }
    }
  }
  summary.counts.entry = entryId;

  // Two tasks with their own threads: osTicket keeps them in the same tables, they are not tickets.
  for (let task = 1; task <= 2; task += 1) {
    const threadId = options.tickets + task;
    await out.add('thread', ['id', 'object_id', 'object_type', 'created'], [threadId, task, 'A', now]);
    entryId += 1;
    await out.add(
      'thread_entry',
      ['id', 'pid', 'thread_id', 'staff_id', 'user_id', 'type', 'poster', 'source', 'body', 'format', 'created', 'updated'],
      [entryId, 0, threadId, 1, 0, 'N', 'Agent 1', '', 'Task note: replace toner', 'text', now, now],
    );
    summary.taskEntries += 1;
  }

  await out.flush();
  await connection.commit();
  await connection.query('SET SESSION unique_checks = 1, foreign_key_checks = 1');
  // Fresh statistics, as a database in use has them: without, the optimiser guesses join orders badly.
  await connection.query(`ANALYZE TABLE ${OSTICKET_TABLES.map((name) => `\`${prefix}${name}\``).join(', ')}`);
  return summary;
};
