import { createHash } from 'node:crypto';
import { INBOUND_LIMITS, type AttachmentRef, type BlobStore, type InboundMessage } from '@switchboard/core';
import { simpleParser, type AddressObject } from 'mailparser';
import sanitizeHtml from 'sanitize-html';
import { PARSER_OPTIONS, ParsePoolClosedError, SANITIZE_EXTRAS, type ParsedParts } from './parse-pool.js';

/** Why a mail is recorded without routing (RFC 3834 and friends): never answered automatically. */
export type NoiseReason = 'auto-submitted' | 'precedence' | 'x-loop' | 'auto-response-suppress' | 'null-return-path' | 'own-address' | 'delivery-report';

export interface DeliveryReport {
  /** Message-IDs the report names (the original message's), most likely first. */
  originalMessageIds: string[];
  /** Status and diagnostic, as the reporting server wrote them. */
  reason: string;
}

export interface MailFacts {
  message: InboundMessage;
  noise: NoiseReason | null;
  report: DeliveryReport | null;
  /** Set when the source could not be parsed: the message is a placeholder and the raw is kept. */
  parseError: string | null;
}

export interface ConvertOptions {
  channel: string;
  instanceId: string;
  mailbox: string;
  /** Our addresses (lower case): mail from them is never answered. */
  ownAddresses: ReadonlySet<string>;
  blobs: BlobStore | undefined;
  /** Upper bound of one attachment kept. */
  maxAttachmentBytes: number;
  /** Parses a source (a parser thread's); mailparser in this thread when not given. */
  parse?: ((raw: Buffer) => Promise<ParsedParts>) | undefined;
  /**
   * When the source goes to the blob store as `original.eml`: `always`, or `when-needed` — only
   * when the ledger would not hold all of the mail otherwise (unreadable, quoted history cut from
   * what agents see, text or HTML clipped, a delivery report). Default `always`.
   */
  keepOriginal?: KeepOriginal | undefined;
}

export type KeepOriginal = 'always' | 'when-needed';


const MESSAGE_ID = /<[^<>\s]{1,500}>/g;
const stripNul = (text: string) => text.replaceAll('\u0000', '');
const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);

/** `<id@host>`, as the ledger keeps a Message-ID; null when absent or unusable. */
export const normaliseMessageId = (value: string | undefined | null): string | null => {
  if (!value) return null;
  const cleaned = stripNul(value).trim();
  const bracketed = cleaned.match(/<[^<>\s]+>/)?.[0] ?? (cleaned.length > 0 && !/\s/.test(cleaned) ? `<${cleaned}>` : null);
  return bracketed && bracketed.length <= INBOUND_LIMITS.externalId ? bracketed : null;
};

/** The dedupe key of a mail without Message-ID: the mailbox and SHA-256 of the raw source. */
export const rawDigestId = (mailbox: string, raw: Buffer): string => `sha256:${createHash('sha256').update(mailbox).update('\u0000').update(raw).digest('hex')}`;

const firstAddress = (field: AddressObject | AddressObject[] | undefined): { address: string; name: string } | null => {
  const objects = Array.isArray(field) ? field : field ? [field] : [];
  for (const object of objects) {
    for (const entry of object.value) {
      if (entry.address && /^[^\s@]+@[^\s@]+$/.test(entry.address)) return { address: entry.address.toLowerCase(), name: stripNul(entry.name ?? '') };
    }
  }
  return null;
};

const header = (parsed: Pick<ParsedParts, 'headers'>, name: string): string | null => {
  const value = parsed.headers.get(name);
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && 'value' in value && typeof value.value === 'string') return value.value;
  if (typeof value === 'object' && 'text' in value && typeof value.text === 'string') return value.text;
  return String(value);
};

/** The earlier messages this one answers, most direct first: In-Reply-To, then References newest to oldest. */
export const threadRefsOf = (parsed: Pick<ParsedParts, 'inReplyTo' | 'references'>): string[] => {
  const references = (Array.isArray(parsed.references) ? parsed.references : parsed.references ? [parsed.references] : []).flatMap((r) => r.match(MESSAGE_ID) ?? []);
  const inReplyTo = parsed.inReplyTo?.match(MESSAGE_ID) ?? [];
  const refs = [...new Set([...inReplyTo, ...references.reverse()].map(stripNul))].filter((r) => r.length <= INBOUND_LIMITS.threadRef);
  return refs.slice(0, INBOUND_LIMITS.threadRefs);
};

export const noiseOf = (parsed: Pick<ParsedParts, 'headers' | 'headerLines'>, from: string | null, ownAddresses: ReadonlySet<string>): NoiseReason | null => {
  const contentType = parsed.headers.get('content-type');
  const reportType = typeof contentType === 'object' && contentType !== null && 'params' in contentType ? (contentType.params as Record<string, string>)['report-type'] : undefined;
  const type = typeof contentType === 'object' && contentType !== null && 'value' in contentType ? String(contentType.value).toLowerCase() : '';
  if (type === 'multipart/report' && (reportType ?? '').toLowerCase() === 'delivery-status') return 'delivery-report';
  const autoSubmitted = header(parsed, 'auto-submitted');
  if (autoSubmitted !== null && autoSubmitted.trim().toLowerCase().split(';')[0] !== 'no') return 'auto-submitted';
  const precedence = header(parsed, 'precedence');
  if (precedence !== null && /^(bulk|list|junk)$/i.test(precedence.trim())) return 'precedence';
  if (header(parsed, 'x-loop') !== null) return 'x-loop';
  if (header(parsed, 'x-auto-response-suppress') !== null) return 'auto-response-suppress';
  // The header line as written: mailparser makes an empty address list of `<>`.
  const returnPath = parsed.headerLines.find((line) => line.key === 'return-path')?.line.replace(/^return-path:/i, '');
  if (returnPath !== undefined && /^\s*<\s*>\s*$/.test(returnPath)) return 'null-return-path';
  if (from !== null && ownAddresses.has(from)) return 'own-address';
  return null;
};

/** What a delivery-status report says, and which Message-IDs of the original it names. */
export const deliveryReportOf = (parsed: Pick<ParsedParts, 'attachments' | 'messageId'>, raw: Buffer): DeliveryReport => {
  // mailparser may give the message/delivery-status part as an attachment or fold it into the text:
  // read its fields from the part when there is one, else from the raw source.
  const statusPart = parsed.attachments.find((a) => a.contentType.toLowerCase() === 'message/delivery-status');
  const statusText = statusPart ? statusPart.content.toString('utf8') : raw.toString('latin1');
  const field = (name: string) => statusText.match(new RegExp(`^${name}:\\s*(.+(?:\\r?\\n[ \\t].+)*)`, 'im'))?.[1]?.replace(/\s+/g, ' ').trim();
  const reason = [field('Status') ? `status ${field('Status')}` : null, field('Diagnostic-Code') ?? null, field('Final-Recipient') ? `for ${field('Final-Recipient')}` : null]
    .filter((x): x is string => x !== null)
    .join('; ');
  // The original's headers: in the message/rfc822 or text/rfc822-headers part (which mailparser may
  // give as an attachment or inline); read from the raw source, past the report's own headers.
  const bodyStart = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n');
  const body = raw.subarray(Math.max(0, bodyStart)).toString('latin1');
  const named = [...body.matchAll(/^(?:Message-ID|Original-Message-ID):\s*(<[^<>\s]+>)/gim)].map((m) => m[1]!);
  const own = normaliseMessageId(parsed.messageId);
  return { originalMessageIds: [...new Set(named)].filter((id) => id !== own), reason: reason || 'delivery failed (no status given)' };
};

// The parser threads build the same options from SANITIZE_EXTRAS.
const sanitise = (html: string) =>
  sanitizeHtml(html, {
    allowedTags: sanitizeHtml.defaults.allowedTags.concat(SANITIZE_EXTRAS.tags),
    allowedAttributes: { ...sanitizeHtml.defaults.allowedAttributes, ...SANITIZE_EXTRAS.attributes },
    allowedSchemes: SANITIZE_EXTRAS.allowedSchemes,
    allowedSchemesByTag: SANITIZE_EXTRAS.allowedSchemesByTag,
  });

/** mailparser and the HTML sanitiser in this thread: what a parser thread does, for callers without one. */
export const parseHere = async (raw: Buffer): Promise<ParsedParts> => {
  const parsed = await simpleParser(raw, PARSER_OPTIONS);
  return {
    headers: parsed.headers,
    headerLines: parsed.headerLines,
    from: parsed.from,
    replyTo: parsed.replyTo,
    subject: parsed.subject,
    messageId: parsed.messageId,
    inReplyTo: parsed.inReplyTo,
    references: parsed.references,
    date: parsed.date,
    text: parsed.text,
    html: typeof parsed.html === 'string' && parsed.html.length > 0 ? sanitise(parsed.html) : undefined,
    attachments: parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
  };
};

const QUOTE_HINT = /wrote:|schrieb|--|^>/im;

/**
 * What agents see of a reply: the new text, without the quoted history below it ("On … wrote:",
 * "-----Original Message-----", `>` lines). The ledger keeps the whole mail: a mail that loses
 * anything here has its source kept as an attachment.
 */
export const visibleReply = (text: string): string => {
  // No line can start the quoted history without one of these: most mails skip the line-by-line look.
  if (!QUOTE_HINT.test(text)) return text.replaceAll('\r\n', '\n').trim();
  const lines = text.split(/\r?\n/);
  const cut = lines.findIndex(
    (line, i) =>
      /^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine)\s*-{2,}\s*$/i.test(line) ||
      /^\s*On .{1,200} wrote:\s*$/i.test(line) ||
      (/^\s*On .{1,200}$/i.test(line) && /wrote:\s*$/i.test(lines[i + 1] ?? '')) ||
      /^\s*Am .{1,200} schrieb .{0,200}:\s*$/i.test(line) ||
      (/^>/.test(line) && lines.slice(i).every((l) => /^>/.test(l) || l.trim() === '')),
  );
  const kept = (cut > 0 ? lines.slice(0, cut) : lines).join('\n').trim();
  return kept.length > 0 ? kept : text.trim();
};

/** The source as the attachment `original.eml` (without its bytes when there is no store or it refuses them). */
export const storeOriginal = (raw: Buffer, options: Pick<ConvertOptions, 'blobs' | 'maxAttachmentBytes'>): Promise<AttachmentRef> =>
  storeBlob(options.blobs, raw, 'message/rfc822', 'original.eml', options.maxAttachmentBytes);

const storeBlob = async (blobs: BlobStore | undefined, content: Buffer, contentType: string, name: string, maxBytes: number): Promise<AttachmentRef> => {
  if (!blobs) return { name, contentType, size: content.length };
  try {
    const stored = await blobs.put(content, { contentType, maxBytes });
    return { name, contentType, size: stored.size, url: stored.ref };
  } catch (error) {
    // Too large for the store, or no store: the ledger notes the attachment without its bytes.
    return { name: `${name} (not kept: ${error instanceof Error ? error.message : String(error)})`.slice(0, 300), contentType, size: content.length };
  }
};

/**
 * Turns a raw mail into what the ingest port takes. Never throws for a bad mail: what mailparser
 * cannot read becomes a placeholder message with the raw source kept as an attachment.
 * `fallbackId` (the dedupe key of a mail without Message-ID) is computed only when needed.
 */
export const mailToInbound = async (raw: Buffer, options: ConvertOptions, fallbackId: string | (() => string)): Promise<MailFacts> => {
  const fallback = () => (typeof fallbackId === 'string' ? fallbackId : fallbackId());
  let parsed: ParsedParts;
  // Always kept: the original is stored while the mail is parsed (it does not depend on the parse).
  // Otherwise it is stored once the parse shows the ledger needs it.
  let original: Promise<AttachmentRef> | null = raw.length > 0 && (options.keepOriginal ?? 'always') === 'always' ? storeOriginal(raw, options) : null;
  // Settled below in every case; until then a failure must not count as unhandled.
  original?.catch(() => undefined);
  try {
    if (raw.length === 0) throw new Error('the message is empty (0 bytes)');
    parsed = await (options.parse ?? parseHere)(raw);
  } catch (error) {
    // Stopping is not the mail's fault: it is read again, not recorded as unreadable.
    if (error instanceof ParsePoolClosedError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    original ??= raw.length > 0 ? storeOriginal(raw, options) : null;
    const source = original ? [await original] : [];
    return {
      parseError: reason,
      noise: null,
      report: null,
      message: {
        channel: options.channel,
        externalId: fallback(),
        from: { kind: 'external', value: `email:${options.instanceId}-unreadable` },
        subject: '(unreadable mail)',
        text: `This mail could not be read (${reason.slice(0, 300)}); its source is kept as an attachment.`,
        attachments: source,
        routing: 'record',
        sourcePlugin: options.instanceId,
      },
    };
  }

  const from = firstAddress(parsed.from) ?? firstAddress(parsed.replyTo);
  const noise = noiseOf(parsed, from?.address ?? null, options.ownAddresses);
  const report = noise === 'delivery-report' ? deliveryReportOf(parsed, raw) : null;
  const html = parsed.html ? stripNul(parsed.html) : undefined;
  const fullText = stripNul(parsed.text ?? '').trim();
  const visible = visibleReply(fullText);
  const fullSubject = parsed.subject ? stripNul(parsed.subject) : undefined;
  // What the ledger would not hold without the source: the quoted history cut from the reply,
  // whatever the limits clip, the report's own parts.
  const needed =
    (visible !== fullText && visible !== fullText.split(/\r?\n/).join('\n').trim()) || fullText.length > INBOUND_LIMITS.text || (html?.length ?? 0) > INBOUND_LIMITS.text || (fullSubject?.length ?? 0) > INBOUND_LIMITS.subject || report !== null;
  original ??= needed ? storeOriginal(raw, options) : null;
  // Stored side by side, kept in the mail's order; the whole mail, as received, last.
  const attachments: AttachmentRef[] = await Promise.all([
    ...parsed.attachments.map((attachment, i) =>
      storeBlob(options.blobs, attachment.content, attachment.contentType || 'application/octet-stream', stripNul(attachment.filename ?? `attachment-${i + 1}`).slice(0, 200), options.maxAttachmentBytes),
    ),
    ...(original ? [original] : []),
  ]);
  const files = parsed.attachments.length;
  const text = visible.length > 0 ? visible : files > 0 ? `(${files} attachment${files > 1 ? 's' : ''}, no text)` : '(no text)';
  const subject = fullSubject ? clip(fullSubject, INBOUND_LIMITS.subject) : undefined;
  const occurredAt = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : undefined;
  return {
    parseError: null,
    noise,
    report,
    message: {
      channel: options.channel,
      externalId: normaliseMessageId(parsed.messageId) ?? fallback(),
      from: from ? { kind: 'email', value: from.address, ...(from.name ? { name: clip(from.name, INBOUND_LIMITS.fromName) } : {}) } : { kind: 'external', value: `email:${options.instanceId}-no-sender` },
      threadRefs: threadRefsOf(parsed),
      threadScope: 'any',
      ...(subject ? { subject } : {}),
      text: clip(text, INBOUND_LIMITS.text),
      ...(html ? { html: clip(html, INBOUND_LIMITS.text) } : {}),
      ...(occurredAt ? { occurredAt } : {}),
      attachments,
      routing: noise === null ? 'route' : 'record',
      sourcePlugin: options.instanceId,
    },
  };
};
