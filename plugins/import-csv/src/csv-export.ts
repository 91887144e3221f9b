import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { invalid, legacyExternalId, type LegacyEntity, type LegacyFailure, type LegacyRecord } from '@switchboard/core';
import { csvMappingSchema, type CsvMapping, type FieldMapping } from './csv-mapping.js';

type Row = Record<string, string>;
class RowError extends Error {}

/** Reads and checks a mapping file (`.yaml`, `.yml` or `.json`); a bad one is a clear error naming the field. */
export const loadCsvMapping = async (path: string): Promise<CsvMapping> => {
  const text = await readFile(path, 'utf8');
  let data: unknown;
  try {
    data = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw invalid('LEGACY.CSV_MAPPING', `${path}: not ${/\.json$/i.test(path) ? 'JSON' : 'YAML'} (${error instanceof Error ? error.message : String(error)})`);
  }
  const result = csvMappingSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw invalid('LEGACY.CSV_MAPPING', `${path}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`, issue?.path.join('.'));
  }
  return result.data;
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

const parseDate = (value: string | undefined, column: string, timezone: string): Date => {
  const text = (value ?? '').trim();
  if (text === '') throw new RowError(`${column}: missing`);
  const local = LOCAL.exec(text);
  const iso = DATE_ONLY.test(text) ? `${text}T00:00:00${timezone}` : local ? `${local[1]}T${local[2]}${timezone}` : text;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new RowError(`${column}: not a date (${JSON.stringify(text)})`);
  return date;
};

const cell = (row: Row, column: string | undefined): string | null => {
  if (column === undefined) return null;
  const value = row[column]?.trim();
  return value === undefined || value === '' ? null : value;
};

const cells = (row: Row, spec: string | string[] | undefined): string[] =>
  (spec === undefined ? [] : Array.isArray(spec) ? spec : [spec]).flatMap((column) =>
    (row[column] ?? '')
      .split(';')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  );

/** A mapped value: the column's value through the map, else the default; null when neither. */
const mapped = (row: Row, spec: FieldMapping | undefined): string | null => {
  if (spec === undefined) return null;
  if (typeof spec === 'string') return cell(row, spec);
  const raw = cell(row, spec.column);
  if (raw !== null && spec.map !== undefined) return spec.map[raw] ?? raw;
  return raw ?? spec.default ?? null;
};

const oneOf = <T extends string>(value: string | null, allowed: readonly T[], column: string): T => {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new RowError(`${column}: ${JSON.stringify(value)} is none of ${allowed.join(', ')} (map it in the mapping file)`);
  return found;
};

const columnOf = (spec: FieldMapping | undefined, fallback: string) => (typeof spec === 'string' ? spec : (spec?.column ?? fallback));

/** The rows of one CSV file, with their line numbers; a row the parser cannot read is a failure. */
const readRows = async (base: string, file: string, delimiter: string, entity: LegacyEntity, failures: LegacyFailure[]) => {
  const content = await readFile(resolve(base, file), 'utf8');
  const rows: { row: Row; line: number }[] = [];
  const parsed: { record: Row; info: { lines: number } }[] = parse(content, {
    columns: true,
    bom: true,
    delimiter,
    info: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    on_skip: (error: { message: string; lines?: number } | undefined) => {
      if (error !== undefined) failures.push({ entity, sourceId: `${file}:${error.lines ?? '?'}`, reason: `not CSV: ${error.message}` });
      return undefined;
    },
  });
  for (const { record, info } of parsed) rows.push({ row: record, line: info.lines });
  return rows;
};

/** Everything the mapped CSV files hold, as records and failures. */
export const loadCsvExport = async (mappingPath: string): Promise<{ system: string; records: LegacyRecord[]; failures: LegacyFailure[] }> => {
  const mapping = await loadCsvMapping(mappingPath);
  const base = dirname(mappingPath);
  const { system } = mapping;
  const { delimiter, timezone } = mapping.csv;
  const ref = (entity: LegacyEntity, id: string) => legacyExternalId(system, entity, id);
  const records: LegacyRecord[] = [];
  const failures: LegacyFailure[] = [];

  const each = async (entity: LegacyEntity, spec: { file: string; id: string }, build: (row: Row, id: string) => LegacyRecord) => {
    const seen = new Set<string>();
    for (const { row, line } of await readRows(base, spec.file, delimiter, entity, failures)) {
      const id = cell(row, spec.id);
      if (id === null) {
        failures.push({ entity, sourceId: `${spec.file}:${line}`, reason: `${spec.id}: missing` });
        continue;
      }
      if (seen.has(id)) {
        failures.push({ entity, sourceId: `${spec.file}:${line}`, reason: `${spec.id}: ${id} appears twice` });
        continue;
      }
      seen.add(id);
      try {
        records.push(build(row, id));
      } catch (error) {
        if (!(error instanceof RowError)) throw error;
        failures.push({ entity, sourceId: id, reason: error.message });
      }
    }
    return seen;
  };
  const attributesOf = (row: Row, names: string[]) => Object.fromEntries(names.flatMap((name) => (cell(row, name) === null ? [] : [[name, cell(row, name)]])));
  const times = (row: Row, spec: { createdAt: string; updatedAt?: string | undefined }) => {
    const createdAt = parseDate(row[spec.createdAt], spec.createdAt, timezone);
    const updated = spec.updatedAt === undefined ? null : cell(row, spec.updatedAt);
    return { createdAt, updatedAt: updated === null || spec.updatedAt === undefined ? createdAt : parseDate(updated, spec.updatedAt, timezone) };
  };

  const { organization, user, ticket, entry } = mapping.entities;
  if (organization !== undefined) {
    await each('organization', organization, (row, id) => ({
      entity: 'organization',
      externalId: ref('organization', id),
      name: cell(row, organization.name) ?? id,
      domains: cells(row, organization.domains),
      attributes: attributesOf(row, organization.attributes),
      ...times(row, organization),
    }));
  }
  const users = await each('user', user, (row, id) => {
    const name = cells(row, user.name).join(' ');
    const org = cell(row, user.organization);
    return {
      entity: 'user',
      externalId: ref('user', id),
      name: name === '' ? null : name,
      identities: [...cells(row, user.emails).map((value) => ({ kind: 'email', value })), ...cells(row, user.phones).map((value) => ({ kind: 'phone', value }))],
      attributes: attributesOf(row, user.attributes),
      organizationExternalId: org === null ? null : ref('organization', org),
      ...times(row, user),
    };
  });
  const tickets = await each('ticket', ticket, (row, id) => {
    const owner = cell(row, ticket.user);
    if (owner === null || !users.has(owner)) throw new RowError(`${ticket.user}: user ${JSON.stringify(owner)} is not in ${user.file}`);
    return {
      entity: 'ticket',
      externalId: ref('ticket', id),
      userExternalId: ref('user', owner),
      subject: cell(row, ticket.subject),
      status: oneOf(mapped(row, ticket.status) ?? 'open', ['open', 'pending', 'closed'] as const, columnOf(ticket.status, 'status')),
      channel: mapped(row, ticket.channel),
      priority: mapped(row, ticket.priority),
      attributes: attributesOf(row, ticket.attributes),
      ...times(row, ticket),
    };
  });
  await each('entry', entry, (row, id) => {
    const owner = cell(row, entry.ticket);
    if (owner === null || !tickets.has(owner)) throw new RowError(`${entry.ticket}: ticket ${JSON.stringify(owner)} is not in ${ticket.file} (orphan entry)`);
    const direction = oneOf(mapped(row, entry.direction), ['inbound', 'outbound', 'internal'] as const, columnOf(entry.direction, 'direction'));
    const occurredAt = parseDate(row[entry.occurredAt], entry.occurredAt, timezone);
    const updated = entry.updatedAt === undefined ? null : cell(row, entry.updatedAt);
    const authorId = cell(row, entry.authorId);
    const html = cell(row, entry.html);
    return {
      entity: 'entry',
      externalId: ref('entry', id),
      ticketExternalId: ref('ticket', owner),
      direction,
      author: {
        kind: direction === 'inbound' ? 'user' : 'staff',
        externalId: authorId === null ? null : ref(direction === 'inbound' ? 'user' : 'staff', authorId),
        name: cell(row, entry.author),
      },
      subject: cell(row, entry.subject),
      text: entry.text === undefined ? '' : (row[entry.text] ?? ''),
      html,
      attachments: [],
      messageId: cell(row, entry.messageId),
      occurredAt,
      updatedAt: updated === null || entry.updatedAt === undefined ? occurredAt : parseDate(updated, entry.updatedAt, timezone),
    };
  });
  return { system, records, failures };
};
