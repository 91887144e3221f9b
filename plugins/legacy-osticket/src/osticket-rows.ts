import { compile } from 'html-to-text';
import { legacyExternalId, type LegacyEntity, type LegacyFailure, type LegacyRecord } from '@switchboard/core';

export const SYSTEM = 'osticket';

/** A row as mysql2 answers it (dateStrings on: DATETIME columns come as text). */
export type Row = Record<string, unknown>;

/** A row that cannot become a record: the reason goes into the failure report. */
export class RowError extends Error {}

export type Mapped = { record: LegacyRecord } | { failure: LegacyFailure };

export const id = (entity: LegacyEntity, value: unknown) => legacyExternalId(SYSTEM, entity, String(value));

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/;

/**
 * osTicket's DATETIME text (`2024-03-01 12:00:00`, in `offset`) as a Date; null for NULL and for
 * the zero date old installs use for "never". A value that is no date at all is a RowError.
 */
export const parseDate = (value: unknown, column: string, offset: string): Date | null => {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? fail(column, value) : value;
  const text = String(value);
  if (/^0000-00-00/.test(text)) return null;
  const match = DATETIME.exec(text);
  if (!match) return fail(column, text);
  const iso = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}${offset}`;
  const date = new Date(iso);
  // Date accepts 2024-02-31 by rolling over; a real date prints back the same day.
  if (Number.isNaN(date.getTime()) || (offset === 'Z' && date.toISOString().slice(0, 10) !== `${match[1]}-${match[2]}-${match[3]}`)) return fail(column, text);
  return date;
};

const fail = (column: string, value: unknown): never => {
  throw new RowError(`${column}: not a date (${JSON.stringify(String(value))})`);
};

/** A date the record cannot do without. */
export const requireDate = (value: unknown, column: string, offset: string): Date => {
  const date = parseDate(value, column, offset);
  if (date === null) throw new RowError(`${column}: missing (${JSON.stringify(String(value))})`);
  return date;
};

// U+FFFD and C0 controls are what an earlier lossy charset conversion leaves behind.
const BROKEN = /[\uFFFD\u0000-\u0008\u000B\u000C\u000E-\u001F]/u;

/** Text of a column; a RowError when it carries the marks of broken encoding. */
export const text = (value: unknown, column: string): string => {
  if (value === null || value === undefined) return '';
  const result = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  const broken = BROKEN.exec(result);
  if (broken) {
    const at = broken.index;
    throw new RowError(`${column}: broken encoding (U+${(broken[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} at character ${at})`);
  }
  return result;
};

export const optionalText = (value: unknown, column: string): string | null => {
  const result = text(value, column).trim();
  return result === '' ? null : result;
};

export const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));

// Compiled once: html-to-text builds its converter from the options on every `convert` call.
const htmlToText = compile({ wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] });

/** An entry body as the hub keeps it: plain text always, the HTML too when it was HTML. */
export const body = (raw: string, format: string): { text: string; html: string | null } => {
  if (format.toLowerCase() !== 'html') return { text: raw, html: null };
  if (raw.trim() === '') return { text: '', html: null };
  return { text: htmlToText(raw).trim(), html: raw };
};

/** osTicket `ticket.source` → the hub's channel names. */
export const channelOf = (source: unknown): string | null => {
  switch (String(source ?? '').toLowerCase()) {
    case 'email':
      return 'email';
    case 'web':
      return 'web';
    case 'phone':
      return 'phone';
    case 'api':
      return 'api';
    case 'other':
      return 'other';
    default:
      return null;
  }
};

/** The header's value in an RFC 5322 header block (unfolded), or null. */
export const header = (headers: string | null, name: string): string | null => {
  if (headers === null) return null;
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:[ \\t]*(.+)$`, 'im').exec(unfolded);
  return match?.[1]?.trim() ?? null;
};

/** Runs a mapping and turns a RowError into a reported failure (other errors are bugs: they throw). */
export const mapRow = (entity: LegacyEntity, sourceId: unknown, map: () => LegacyRecord): Mapped => {
  try {
    return { record: map() };
  } catch (error) {
    if (error instanceof RowError) return { failure: { entity, sourceId: String(sourceId), reason: error.message } };
    throw error;
  }
};
