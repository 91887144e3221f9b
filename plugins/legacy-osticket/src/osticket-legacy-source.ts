import mysql from 'mysql2/promise';
import {
  DomainError,
  invalid,
  notFound,
  parseLegacyExternalId,
  type Health,
  type LegacyChanges,
  type LegacyDescription,
  type LegacyEntity,
  type LegacyFailure,
  type LegacyPage,
  type LegacyRecord,
  type LegacyReply,
  type LegacySource,
} from '@switchboard/core';
import {
  body,
  channelOf,
  header,
  id,
  mapRow,
  num,
  optionalText,
  parseDate,
  requireDate,
  RowError,
  SYSTEM,
  text,
  type Mapped,
  type Row,
} from './osticket-rows.js';

export interface OsticketSourceOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** `ost_` unless the install chose another; only `[A-Za-z0-9_]`. */
  tablePrefix: string;
  /** The offset osTicket's DATETIME values are in (`Z`, `+02:00`). */
  timezone: string;
  /** Connections the source may hold at once. */
  connectionLimit?: number;
}

/** One entity's table: its id column, its own change marker and how a row becomes a record. */
interface EntitySpec {
  entity: LegacyEntity;
  table: string;
  idColumn: string;
  /** The SELECT … FROM … JOIN …, rows aliased `x`; the id as `id`. */
  select: string;
  /** Rows of the table that are not this entity (task threads among thread entries). */
  filter?: string;
  /** The source's own "last changed" column and its "created" column, for deltas. */
  updated?: string;
  created?: string;
}

/** A delta stream: new rows by id, or edited rows by the source's own timestamp. */
interface Stream {
  key: string;
  spec: EntitySpec;
  /** For a stream of another table whose rows point at a record (`user_email` → its user). */
  table?: string;
  idColumn?: string;
  /** The column of `table` holding the id of the record of `spec` it belongs to. */
  owner?: string;
  kind: 'new' | 'edited';
}

interface Position {
  /** new: the highest id seen. */
  n?: number;
  /** edited: the (timestamp, id) of the last edit seen. */
  t?: string;
  i?: number;
}

const ZERO = '0000-00-00 00:00:00';
const PREFIX = /^[A-Za-z0-9_]{0,32}$/;

const directions = { M: 'inbound', R: 'outbound', N: 'internal' } as const;
const isEntryType = (value: string): value is keyof typeof directions => value in directions;

/**
 * osTicket 1.1x on MySQL/MariaDB as a LegacySource. Reads page by page with keyset cursors on the
 * tables' primary keys (one bounded query per page, any size of install); deltas come from
 * osTicket's own markers: new rows by id (a new thread entry on an old ticket, a new address of a
 * user) and edits by each table's `updated` column.
 */
export class OsticketLegacySource implements LegacySource {
  private readonly pool: mysql.Pool;
  private readonly specs: Record<LegacyEntity, EntitySpec>;
  private readonly streams: Stream[];
  private readonly p: string;

  constructor(private readonly options: OsticketSourceOptions) {
    if (!PREFIX.test(options.tablePrefix)) throw invalid('LEGACY.OSTICKET_TABLE_PREFIX', 'tablePrefix may hold only letters, digits and _', 'tablePrefix');
    this.p = options.tablePrefix;
    this.pool = mysql.createPool({
      host: options.host,
      port: options.port,
      user: options.user,
      password: options.password,
      database: options.database,
      charset: 'utf8mb4',
      dateStrings: true,
      supportBigNumbers: true,
      connectionLimit: options.connectionLimit ?? 4,
      connectTimeout: 10_000,
    });
    const t = (name: string) => `\`${this.p}${name}\``;
    this.specs = {
      organization: {
        entity: 'organization',
        table: 'organization',
        idColumn: 'id',
        select: `SELECT x.id, x.name, x.domain, x.status, x.created, x.updated FROM ${t('organization')} x`,
        updated: 'updated',
        created: 'created',
      },
      staff: {
        entity: 'staff',
        table: 'staff',
        idColumn: 'staff_id',
        select: `SELECT x.staff_id AS id, x.dept_id, x.username, x.firstname, x.lastname, x.email, x.phone, x.isactive, x.isadmin, x.created, x.updated FROM ${t('staff')} x`,
        updated: 'updated',
        created: 'created',
      },
      department: {
        entity: 'department',
        table: 'department',
        idColumn: 'id',
        select: `SELECT x.id, x.pid, x.name, x.ispublic, x.path, x.created, x.updated FROM ${t('department')} x`,
        updated: 'updated',
        created: 'created',
      },
      topic: {
        entity: 'topic',
        table: 'help_topic',
        idColumn: 'topic_id',
        select: `SELECT x.topic_id AS id, x.topic_pid, x.topic, x.dept_id, x.ispublic, x.created, x.updated FROM ${t('help_topic')} x`,
        updated: 'updated',
        created: 'created',
      },
      user: {
        entity: 'user',
        table: 'user',
        idColumn: 'id',
        select: `SELECT x.id, x.org_id, x.default_email_id, x.status, x.name, x.created, x.updated, cd.phone, cd.notes
          FROM ${t('user')} x LEFT JOIN ${t('user__cdata')} cd ON cd.user_id = x.id`,
        updated: 'updated',
        created: 'created',
      },
      ticket: {
        entity: 'ticket',
        table: 'ticket',
        idColumn: 'ticket_id',
        select: `SELECT x.ticket_id AS id, x.number, x.user_id, x.status_id, x.dept_id, x.topic_id, x.staff_id, x.source, x.isanswered,
            x.closed, x.created, x.updated, cd.subject, st.name AS status_name, st.state, pr.priority_desc AS priority_name, u.id AS user_exists
          FROM ${t('ticket')} x
          LEFT JOIN ${t('ticket__cdata')} cd ON cd.ticket_id = x.ticket_id
          LEFT JOIN ${t('ticket_status')} st ON st.id = x.status_id
          LEFT JOIN ${t('ticket_priority')} pr ON pr.priority_id = CAST(cd.priority AS UNSIGNED)
          LEFT JOIN ${t('user')} u ON u.id = x.user_id`,
        updated: 'updated',
        created: 'created',
      },
      entry: {
        entity: 'entry',
        table: 'thread_entry',
        idColumn: 'id',
        select: `SELECT x.id, x.thread_id, x.staff_id, x.user_id, x.type, x.poster, x.title, x.body, x.format, x.created, x.updated,
            th.id AS thread_exists, th.object_id AS ticket_id, tk.ticket_id AS ticket_exists
          FROM ${t('thread_entry')} x
          LEFT JOIN ${t('thread')} th ON th.id = x.thread_id
          LEFT JOIN ${t('ticket')} tk ON tk.ticket_id = th.object_id AND th.object_type = 'T'`,
        // Entries of task threads are not tickets' entries; an entry whose thread is gone is read (and reported).
        filter: `(th.id IS NULL OR th.object_type = 'T')`,
        updated: 'updated',
        created: 'created',
      },
    };
    const s = this.specs;
    this.streams = [
      ...(['organization', 'staff', 'department', 'topic', 'user'] as const).flatMap((entity): Stream[] => [
        { key: `${entity}.new`, spec: s[entity], kind: 'new' },
        { key: `${entity}.edited`, spec: s[entity], kind: 'edited' },
      ]),
      // user_email has no timestamp: a new address is a new row, and it changes its user.
      { key: 'user_email.new', spec: s.user, table: 'user_email', idColumn: 'id', owner: 'user_id', kind: 'new' },
      { key: 'ticket.new', spec: s.ticket, kind: 'new' },
      { key: 'ticket.edited', spec: s.ticket, kind: 'edited' },
      { key: 'entry.new', spec: s.entry, kind: 'new' },
      { key: 'entry.edited', spec: s.entry, kind: 'edited' },
    ];
  }

  async describe(): Promise<LegacyDescription> {
    const entities: LegacyDescription['entities'] = [];
    for (const spec of Object.values(this.specs)) {
      const sql =
        spec.entity === 'entry'
          ? `SELECT COUNT(*) AS n FROM ${this.table('thread_entry')} x LEFT JOIN ${this.table('thread')} th ON th.id = x.thread_id WHERE ${spec.filter ?? 'TRUE'}`
          : `SELECT COUNT(*) AS n FROM ${this.table(spec.table)}`;
      const rows = await this.query(sql);
      entities.push({ entity: spec.entity, count: num(rows[0]?.['n']) });
    }
    return { system: SYSTEM, entities };
  }

  async read(entity: LegacyEntity, cursor: string | null, limit: number): Promise<LegacyPage> {
    const spec = this.specs[entity];
    const take = Math.max(1, Math.floor(limit));
    const after = this.parseCursor(entity, cursor);
    const where = [`x.${spec.idColumn} > ?`, ...(spec.filter === undefined ? [] : [spec.filter])].join(' AND ');
    // One row more than asked tells whether another page follows.
    const rows = await this.query(`${spec.select} WHERE ${where} ORDER BY x.${spec.idColumn} LIMIT ?`, [after, take + 1]);
    const page = rows.slice(0, take);
    const mapped = await this.map(spec, page);
    const last = page.at(-1);
    return {
      records: mapped.flatMap((m) => ('record' in m ? [m.record] : [])),
      failures: mapped.flatMap((m) => ('failure' in m ? [m.failure] : [])),
      nextCursor: rows.length > take && last !== undefined ? `${entity}:${num(last['id'])}` : null,
    };
  }

  async changesSince(watermark: string | null, limit: number): Promise<LegacyChanges> {
    if (watermark === null) return { records: [], watermark: this.encode(await this.currentPositions()), more: false };
    const positions = this.decode(watermark);
    let left = Math.max(1, Math.floor(limit));
    let more = false;
    // Ids to load, per entity, in the order their changes were found.
    const changed: { spec: EntitySpec; ids: number[] }[] = [];
    for (const stream of this.streams) {
      if (left === 0) {
        more = true;
        break;
      }
      const position = positions[stream.key] ?? {};
      const rows = stream.kind === 'new' ? await this.newRows(stream, position, left + 1) : await this.editedRows(stream, position, left + 1);
      const taken = rows.slice(0, left);
      if (rows.length > left) more = true;
      const last = taken.at(-1);
      if (last !== undefined) {
        positions[stream.key] = stream.kind === 'new' ? { n: num(last['id']) } : { t: String(last['ts']), i: num(last['id']) };
        changed.push({ spec: stream.spec, ids: taken.map((row) => num(row['owner'] ?? row['id'])) });
      }
      left -= taken.length;
      if (more) break;
    }
    const records: LegacyRecord[] = [];
    const failures: LegacyFailure[] = [];
    const seen = new Set<string>();
    for (const { spec, ids } of changed) {
      const unique = [...new Set(ids)].filter((n) => !seen.has(`${spec.entity}:${n}`));
      if (unique.length === 0) continue;
      for (const n of unique) seen.add(`${spec.entity}:${n}`);
      const where = [`x.${spec.idColumn} IN (?)`, ...(spec.filter === undefined ? [] : [spec.filter])].join(' AND ');
      const rows = await this.query(`${spec.select} WHERE ${where}`, [unique]);
      const byId = new Map(rows.map((row) => [num(row['id']), row]));
      const ordered = unique.flatMap((n) => {
        const row = byId.get(n);
        return row === undefined ? [] : [row];
      });
      for (const m of await this.map(spec, ordered)) {
        if ('record' in m) records.push(m.record);
        else failures.push(m.failure);
      }
    }
    return { records, failures, watermark: this.encode(positions), more };
  }

  async testConnection(): Promise<Health> {
    try {
      const version = await this.query('SELECT VERSION() AS v');
      const tickets = await this.query(`SELECT COUNT(*) AS n FROM ${this.table('ticket')}`);
      return { status: 'up', detail: `${String(version[0]?.['v'])}, ${num(tickets[0]?.['n'])} tickets in ${this.options.database}` };
    } catch (error) {
      return { status: 'down', detail: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Writes a hub reply into the osTicket thread as a response (type R) with the original time. The
   * hub interaction id goes into the entry's Message-ID, so the same reply twice adds one entry.
   */
  async writeBack(reply: LegacyReply): Promise<{ externalId: string }> {
    const ref = parseLegacyExternalId(reply.ticketExternalId);
    if (ref?.system !== SYSTEM || ref.entity !== 'ticket' || !/^\d+$/.test(ref.id)) {
      throw invalid('LEGACY.OSTICKET_TICKET_REF', `not an osTicket ticket id: ${reply.ticketExternalId}`, 'ticketExternalId');
    }
    const mid = `<switchboard.${reply.interactionId.replace(/[^A-Za-z0-9._-]/g, '_')}@switchboard.invalid>`;
    const connection = await this.pool.getConnection();
    try {
      await connection.beginTransaction();
      const [existing] = await connection.query<mysql.RowDataPacket[]>(`SELECT thread_entry_id AS id FROM ${this.table('thread_entry_email')} WHERE mid = ? FOR UPDATE`, [mid]);
      const already = existing[0];
      if (already !== undefined) {
        await connection.commit();
        return { externalId: id('entry', already['id']) };
      }
      const [threads] = await connection.query<mysql.RowDataPacket[]>(`SELECT id FROM ${this.table('thread')} WHERE object_id = ? AND object_type = 'T' FOR UPDATE`, [ref.id]);
      const thread = threads[0];
      if (thread === undefined) throw notFound('LEGACY.OSTICKET_TICKET_NOT_FOUND', `osTicket has no ticket ${ref.id}`);
      const at = this.sqlDate(reply.occurredAt);
      const [inserted] = await connection.query<mysql.ResultSetHeader>(
        `INSERT INTO ${this.table('thread_entry')} (pid, thread_id, staff_id, user_id, type, flags, poster, source, title, body, format, ip_address, created, updated)
         VALUES (0, ?, 0, 0, 'R', 0, ?, 'API', NULL, ?, ?, '', ?, ?)`,
        [thread['id'], reply.agent?.name ?? 'Switchboard', reply.html ?? reply.text, reply.html === null ? 'text' : 'html', at, at],
      );
      await connection.query(`INSERT INTO ${this.table('thread_entry_email')} (thread_entry_id, email_id, mid, headers) VALUES (?, NULL, ?, ?)`, [
        inserted.insertId,
        mid,
        `Message-ID: ${mid}\r\nX-Switchboard-Interaction: ${reply.interactionId}\r\n`,
      ]);
      await connection.query(`UPDATE ${this.table('thread')} SET lastresponse = ? WHERE id = ?`, [at, thread['id']]);
      await connection.query(`UPDATE ${this.table('ticket')} SET lastupdate = ?, isanswered = 1 WHERE ticket_id = ?`, [at, ref.id]);
      await connection.commit();
      return { externalId: id('entry', inserted.insertId) };
    } catch (error) {
      await connection.rollback().catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private table(name: string): string {
    return `\`${this.p}${name}\``;
  }

  private async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    const [rows] = await this.pool.query<mysql.RowDataPacket[]>(sql, params);
    return rows;
  }

  private parseCursor(entity: LegacyEntity, cursor: string | null): number {
    if (cursor === null) return 0;
    const match = /^([a-z]+):(\d+)$/.exec(cursor);
    if (match?.[1] !== entity) throw invalid('LEGACY.BAD_CURSOR', `not a cursor of ${entity}: ${cursor}`, 'cursor');
    return Number(match[2]);
  }

  private encode(positions: Record<string, Position>): string {
    return Buffer.from(JSON.stringify({ v: 1, p: positions })).toString('base64url');
  }

  private decode(watermark: string): Record<string, Position> {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(watermark, 'base64url').toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null && 'v' in parsed && parsed.v === 1 && 'p' in parsed && typeof parsed.p === 'object' && parsed.p !== null) {
        const positions: Record<string, Position> = {};
        for (const [key, value] of Object.entries(parsed.p)) {
          if (typeof value !== 'object' || value === null) continue;
          const position = value as Record<string, unknown>;
          positions[key] = {
            ...(typeof position['n'] === 'number' ? { n: position['n'] } : {}),
            ...(typeof position['t'] === 'string' ? { t: position['t'] } : {}),
            ...(typeof position['i'] === 'number' ? { i: position['i'] } : {}),
          };
        }
        return positions;
      }
    } catch {
      // falls through to the error below
    }
    throw new DomainError('invalid', 'LEGACY.BAD_WATERMARK', 'not a watermark of this osTicket source', { field: 'watermark' });
  }

  /** Where every stream stands now: a delta from here on reports only what changes after. */
  private async currentPositions(): Promise<Record<string, Position>> {
    const positions: Record<string, Position> = {};
    for (const stream of this.streams) {
      const table = this.table(stream.table ?? stream.spec.table);
      const idColumn = stream.idColumn ?? stream.spec.idColumn;
      if (stream.kind === 'new') {
        const rows = await this.query(`SELECT COALESCE(MAX(${idColumn}), 0) AS n FROM ${table}`);
        positions[stream.key] = { n: num(rows[0]?.['n']) };
      } else {
        const column = stream.spec.updated ?? 'updated';
        const rows = await this.query(`SELECT ${column} AS ts, ${idColumn} AS id FROM ${table} WHERE ${column} < NOW() ORDER BY ${column} DESC, ${idColumn} DESC LIMIT 1`);
        const row = rows[0];
        positions[stream.key] = row === undefined || row['ts'] === null ? { t: ZERO, i: 0 } : { t: String(row['ts']), i: num(row['id']) };
      }
    }
    return positions;
  }

  private async newRows(stream: Stream, position: Position, limit: number): Promise<Row[]> {
    const table = this.table(stream.table ?? stream.spec.table);
    const idColumn = stream.idColumn ?? stream.spec.idColumn;
    const owner = stream.owner === undefined ? '' : `, ${stream.owner} AS owner`;
    return this.query(`SELECT ${idColumn} AS id${owner} FROM ${table} WHERE ${idColumn} > ? ORDER BY ${idColumn} LIMIT ?`, [position.n ?? 0, limit]);
  }

  // Rows changed after they were made, by the table's own `updated`; the current second is left
  // for the next call, so a row updated later within the same second is not passed over.
  private async editedRows(stream: Stream, position: Position, limit: number): Promise<Row[]> {
    const { updated, created, idColumn } = stream.spec;
    if (updated === undefined || created === undefined) return [];
    const t = position.t ?? ZERO;
    return this.query(
      `SELECT ${idColumn} AS id, ${updated} AS ts FROM ${this.table(stream.spec.table)}
       WHERE ${updated} > ${created} AND ${updated} < NOW() AND (${updated} > ? OR (${updated} = ? AND ${idColumn} > ?))
       ORDER BY ${updated}, ${idColumn} LIMIT ?`,
      [t, t, position.i ?? 0, limit],
    );
  }

  private sqlDate(date: Date): string {
    const offsetMs = this.offsetMinutes() * 60_000;
    return new Date(date.getTime() + offsetMs).toISOString().slice(0, 19).replace('T', ' ');
  }

  private offsetMinutes(): number {
    const match = /^([+-])(\d{2}):(\d{2})$/.exec(this.options.timezone);
    if (!match) return 0;
    return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  }

  private async map(spec: EntitySpec, rows: Row[]): Promise<Mapped[]> {
    const tz = this.options.timezone;
    const created = (row: Row) => requireDate(row['created'], 'created', tz);
    const updated = (row: Row) => parseDate(row['updated'], 'updated', tz) ?? created(row);
    switch (spec.entity) {
      case 'organization':
        return rows.map((row) =>
          mapRow('organization', row['id'], () => ({
            entity: 'organization',
            externalId: id('organization', row['id']),
            name: text(row['name'], 'name'),
            domains: text(row['domain'], 'domain')
              .split(/[\s,]+/)
              .filter((d) => d !== ''),
            attributes: { status: num(row['status']) },
            createdAt: created(row),
            updatedAt: updated(row),
          })),
        );
      case 'staff':
        return rows.map((row) =>
          mapRow('staff', row['id'], () => {
            const email = optionalText(row['email'], 'email');
            const phone = optionalText(row['phone'], 'phone');
            const name = [optionalText(row['firstname'], 'firstname'), optionalText(row['lastname'], 'lastname')].filter((part) => part !== null).join(' ');
            return {
              entity: 'staff',
              externalId: id('staff', row['id']),
              name: name === '' ? null : name,
              identities: [...(email === null ? [] : [{ kind: 'email', value: email }]), ...(phone === null ? [] : [{ kind: 'phone', value: phone }])],
              active: num(row['isactive']) === 1,
              departmentExternalId: num(row['dept_id']) > 0 ? id('department', row['dept_id']) : null,
              attributes: { username: text(row['username'], 'username'), admin: num(row['isadmin']) === 1 },
              createdAt: created(row),
              updatedAt: updated(row),
            };
          }),
        );
      case 'department':
      case 'topic': {
        const entity = spec.entity;
        return rows.map((row) =>
          mapRow(entity, row['id'], () => {
            const parent = num(entity === 'department' ? row['pid'] : row['topic_pid']);
            return {
              entity,
              externalId: id(entity, row['id']),
              name: text(entity === 'department' ? row['name'] : row['topic'], entity === 'department' ? 'name' : 'topic'),
              parentExternalId: parent > 0 ? id(entity, parent) : null,
              attributes:
                entity === 'department'
                  ? { public: num(row['ispublic']) === 1 }
                  : { public: num(row['ispublic']) === 1, departmentExternalId: num(row['dept_id']) > 0 ? id('department', row['dept_id']) : null },
              createdAt: created(row),
              updatedAt: updated(row),
            };
          }),
        );
      }
      case 'user':
        return this.mapUsers(rows, created, updated);
      case 'ticket':
        return rows.map((row) =>
          mapRow('ticket', row['id'], () => {
            if (row['user_exists'] === null) throw new RowError(`user_id: user ${String(row['user_id'])} does not exist`);
            const state = String(row['state'] ?? '');
            if (state === '') throw new RowError(`status_id: no ticket status ${String(row['status_id'])}`);
            const closedAt = parseDate(row['closed'], 'closed', tz);
            return {
              entity: 'ticket',
              externalId: id('ticket', row['id']),
              userExternalId: id('user', row['user_id']),
              subject: optionalText(row['subject'], 'subject'),
              status: state === 'open' ? 'open' : 'closed',
              channel: channelOf(row['source']),
              number: optionalText(row['number'], 'number'),
              priority: optionalText(row['priority_name'], 'priority'),
              departmentExternalId: num(row['dept_id']) > 0 ? id('department', row['dept_id']) : null,
              topicExternalId: num(row['topic_id']) > 0 ? id('topic', row['topic_id']) : null,
              assigneeExternalId: num(row['staff_id']) > 0 ? id('staff', row['staff_id']) : null,
              closedAt: state === 'open' ? null : closedAt,
              attributes: { status: text(row['status_name'], 'status'), state, answered: num(row['isanswered']) === 1 },
              createdAt: created(row),
              updatedAt: updated(row),
            };
          }),
        );
      case 'entry': {
        // The email headers of the page's entries in one query (the first row per entry, as osTicket does).
        const emails = new Map<number, Row>();
        const ids = rows.map((row) => num(row['id']));
        if (ids.length > 0) {
          const found = await this.query(`SELECT thread_entry_id, \`mid\`, headers FROM ${this.table('thread_entry_email')} WHERE thread_entry_id IN (?) ORDER BY id`, [ids]);
          for (const email of found) if (!emails.has(num(email['thread_entry_id']))) emails.set(num(email['thread_entry_id']), email);
        }
        return rows.map((row) =>
          mapRow('entry', row['id'], () => {
            if (row['thread_exists'] === null) throw new RowError(`thread_id: thread ${String(row['thread_id'])} does not exist (orphan entry)`);
            if (row['ticket_exists'] === null) throw new RowError(`thread ${String(row['thread_id'])}: ticket ${String(row['ticket_id'])} does not exist (orphan entry)`);
            const type = String(row['type'] ?? '');
            if (!isEntryType(type)) throw new RowError(`type: unknown entry type ${JSON.stringify(type)}`);
            const occurredAt = created(row);
            const { text: plain, html } = body(text(row['body'], 'body'), String(row['format'] ?? 'text'));
            const poster = optionalText(row['poster'], 'poster');
            const author =
              type === 'M'
                ? { kind: 'user' as const, externalId: num(row['user_id']) > 0 ? id('user', row['user_id']) : null, name: poster }
                : num(row['staff_id']) > 0
                  ? { kind: 'staff' as const, externalId: id('staff', row['staff_id']), name: poster }
                  : { kind: 'system' as const, externalId: null, name: poster };
            const email = emails.get(num(row['id']));
            const headers = email?.['headers'] === null || email?.['headers'] === undefined ? null : text(email['headers'], 'thread_entry_email.headers');
            return {
              entity: 'entry',
              externalId: id('entry', row['id']),
              ticketExternalId: id('ticket', row['ticket_id']),
              direction: directions[type],
              author,
              subject: optionalText(row['title'], 'title'),
              text: plain,
              html,
              attachments: [],
              messageId: email === undefined ? null : optionalText(email['mid'], 'thread_entry_email.mid'),
              inReplyTo: header(headers, 'In-Reply-To'),
              occurredAt,
              updatedAt: parseDate(row['updated'], 'updated', tz) ?? occurredAt,
            };
          }),
        );
      }
    }
  }

  private async mapUsers(rows: Row[], created: (row: Row) => Date, updated: (row: Row) => Date): Promise<Mapped[]> {
    const ids = rows.map((row) => num(row['id']));
    const emails = new Map<number, { id: number; address: unknown }[]>();
    if (ids.length > 0) {
      for (const row of await this.query(`SELECT id, user_id, address FROM ${this.table('user_email')} WHERE user_id IN (?) ORDER BY id`, [ids])) {
        const list = emails.get(num(row['user_id'])) ?? [];
        list.push({ id: num(row['id']), address: row['address'] });
        emails.set(num(row['user_id']), list);
      }
    }
    return rows.map((row) =>
      mapRow('user', row['id'], () => {
        const own = emails.get(num(row['id'])) ?? [];
        // The default address first, then the others in the order they were added.
        const defaultId = num(row['default_email_id']);
        const ordered = [...own.filter((e) => e.id === defaultId), ...own.filter((e) => e.id !== defaultId)];
        const identities = ordered.map((e) => ({ kind: 'email', value: text(e.address, 'user_email.address').trim() }));
        const phone = optionalText(row['phone'], 'user__cdata.phone');
        if (phone !== null) identities.push({ kind: 'phone', value: phone });
        const notes = optionalText(row['notes'], 'user__cdata.notes');
        return {
          entity: 'user',
          externalId: id('user', row['id']),
          name: optionalText(row['name'], 'name'),
          identities,
          attributes: { status: num(row['status']), ...(notes === null ? {} : { notes }) },
          organizationExternalId: num(row['org_id']) > 0 ? id('organization', row['org_id']) : null,
          createdAt: created(row),
          updatedAt: updated(row),
        };
      }),
    );
  }
}
