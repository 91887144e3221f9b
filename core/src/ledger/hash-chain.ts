import { hash } from 'node:crypto';
import type { Interaction } from './interaction.entity.js';

/**
 * JSON with sorted keys and no undefined members, so equal content always hashes equally. The
 * format is part of every stored digest: it must never change (the golden test pins it).
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  // An ISO date holds nothing JSON escapes.
  if (value instanceof Date) return `"${value.toISOString()}"`;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  // sort() without a comparator orders by UTF-16 code units, as `<` on strings does.
  const keys = Object.keys(record).sort();
  let out = '';
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i]!;
    const member = record[key];
    if (member === undefined) continue;
    out += (out === '' ? '{' : ',') + quotedKey(key) + ':' + canonicalJson(member);
  }
  return out === '' ? '{}' : `${out}}`;
};

// The same few keys come back in every record hashed: each is quoted once (up to a bound).
const keyQuotes = new Map<string, string>();
const quotedKey = (key: string): string => {
  let quoted = keyQuotes.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (keyQuotes.size < 4096) keyQuotes.set(key, quoted);
  }
  return quoted;
};

const sha256 = (text: string): string => hash('sha256', text, 'hex');

type Content = Pick<Interaction, 'subject' | 'text' | 'html' | 'attachments' | 'party' | 'data'>;

const isTombstone = (c: Content): boolean =>
  c.subject === null && c.text === '' && c.html === null && c.attachments.length === 0 && c.party === null && Object.keys(c.data).length === 0;
type Header = Pick<
  Interaction,
  | 'id'
  | 'conversationId'
  | 'customerId'
  | 'seq'
  | 'channel'
  | 'direction'
  | 'type'
  | 'externalId'
  | 'threadRef'
  | 'agentId'
  | 'occurredAt'
  | 'recordedAt'
>;

/**
 * `canonicalJson` of an object with these keys, given in code-unit order, and these values: the
 * same text, without the object, the sort and the key quoting (every entry written and verified
 * passes here twice).
 */
const canonicalMembers = (quotedKeys: readonly string[], values: readonly unknown[]): string => {
  let out = '{';
  for (let i = 0; i < quotedKeys.length; i += 1) {
    const value = values[i];
    if (value === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${quotedKeys[i]}:${canonicalJson(value)}`;
  }
  return `${out}}`;
};

const quotedKeys = (keys: readonly string[]): string[] => {
  const sorted = [...keys].sort();
  if (sorted.some((key, i) => key !== keys[i])) throw new Error(`keys not in canonical order: ${keys.join(', ')}`);
  return keys.map((key) => JSON.stringify(key));
};

const CONTENT_KEYS = quotedKeys(['attachments', 'data', 'html', 'party', 'subject', 'text']);

/** Hash of the personal content; kept when erasure replaces the content with a tombstone. */
export const contentHashOf = (content: Content): string =>
  sha256(canonicalMembers(CONTENT_KEYS, [content.attachments, content.data, content.html, content.party, content.subject, content.text]));

const DIGEST_KEYS = quotedKeys([
  'agentId',
  'channel',
  'contentHash',
  'conversationId',
  'customerId',
  'direction',
  'externalId',
  'id',
  'occurredAt',
  'prev',
  'recordedAt',
  'seq',
  'threadRef',
  'type',
]);

export const digestOf = (header: Header, contentHash: string, prevDigest: string | null): string =>
  sha256(
    canonicalMembers(DIGEST_KEYS, [
      header.agentId,
      header.channel,
      contentHash,
      header.conversationId,
      header.customerId,
      header.direction,
      header.externalId,
      header.id,
      header.occurredAt.toISOString(),
      prevDigest,
      header.recordedAt.toISOString(),
      header.seq,
      header.threadRef,
      header.type,
    ]),
  );

export interface ChainVerification {
  ok: boolean;
  entries: number;
  /** Id of the first entry whose digest or link does not hold. */
  brokenAt?: string;
}

/**
 * Recomputes the chain of one conversation's entries, given in `seq` order. An erased entry
 * (`erasedAt` set) verifies by its kept content hash: its content is the tombstone now.
 */
export const verifyChain = (entries: readonly Interaction[]): ChainVerification => {
  let prev: string | null = null;
  for (const [index, entry] of entries.entries()) {
    const contentHash = entry.erasedAt !== null ? entry.contentHash : contentHashOf(entry);
    const expected = digestOf(entry, contentHash, prev);
    // An erased entry holds the tombstone and nothing else: other content under the flag is tampering.
    const contentOk = entry.erasedAt === null || isTombstone(entry);
    if (entry.seq !== index + 1 || entry.prevDigest !== prev || entry.digest !== expected || contentHash !== entry.contentHash || !contentOk) {
      return { ok: false, entries: entries.length, brokenAt: entry.id };
    }
    prev = entry.digest;
  }
  return { ok: true, entries: entries.length };
};
