import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { legacyExternalId, type LegacyEntity, type LegacyFailure, type LegacyRecord } from '@switchboard/core';

export const SYSTEM = 'zendesk';
const ref = (entity: LegacyEntity, id: string | number) => legacyExternalId(SYSTEM, entity, id);

const date = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'not a date');
const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);
const optionalId = id.nullable().optional();

const userSchema = z.looseObject({
  id,
  name: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  phone: z.string().nullable().optional(),
  organization_id: optionalId,
  role: z.string().optional(),
  active: z.boolean().optional(),
  suspended: z.boolean().optional(),
  tags: z.array(z.string()).optional(),
  /** Side-loaded user identities (`GET /users/{id}/identities`): further addresses and phones. */
  identities: z.array(z.looseObject({ type: z.string(), value: z.string() })).optional(),
  created_at: date,
  updated_at: date,
});
const organizationSchema = z.looseObject({
  id,
  name: z.string(),
  domain_names: z.array(z.string()).optional(),
  details: z.string().nullable().optional(),
  tags: z.array(z.string()).optional(),
  created_at: date,
  updated_at: date,
});
const attachmentSchema = z.looseObject({ file_name: z.string(), content_type: z.string().optional(), content_url: z.string().optional(), size: z.number().optional() });
const commentSchema = z.looseObject({
  id,
  type: z.string().optional(),
  author_id: optionalId,
  body: z.string().nullable().optional(),
  html_body: z.string().nullable().optional(),
  plain_body: z.string().nullable().optional(),
  public: z.boolean().optional(),
  attachments: z.array(attachmentSchema).optional(),
  metadata: z.looseObject({ system: z.looseObject({ message_id: z.string().optional() }).optional() }).optional(),
  created_at: date.optional(),
});
const ticketSchema = z.looseObject({
  id,
  requester_id: id,
  assignee_id: optionalId,
  organization_id: optionalId,
  group_id: optionalId,
  subject: z.string().nullable().optional(),
  status: z.string(),
  priority: z.string().nullable().optional(),
  type: z.string().nullable().optional(),
  via: z.looseObject({ channel: z.union([z.string(), z.number()]).optional() }).optional(),
  tags: z.array(z.string()).optional(),
  /** The JSON export (and some scripts) embed the comments in the ticket. */
  comments: z.array(z.unknown()).optional(),
  created_at: date,
  updated_at: date,
});

type ZendeskUser = z.output<typeof userSchema>;
type ZendeskComment = z.output<typeof commentSchema>;

/** Which entity a file holds, by its name: `users.json`, `tickets-2.jsonl`, `ticket_audits.json`… */
type FileKind = 'users' | 'organizations' | 'tickets' | 'comments' | 'audits' | 'ticket_events';
const kindOf = (name: string): FileKind | null => {
  if (!/\.(json|jsonl|ndjson)$/i.test(name)) return null;
  const base = name.toLowerCase();
  if (base.startsWith('users')) return 'users';
  if (base.startsWith('organizations')) return 'organizations';
  if (base.startsWith('ticket_events')) return 'ticket_events';
  if (/^(ticket_)?audits/.test(base)) return 'audits';
  if (/^(ticket_)?comments/.test(base)) return 'comments';
  if (base.startsWith('tickets')) return 'tickets';
  return null;
};
const entityOf: Record<FileKind, LegacyEntity> = { users: 'user', organizations: 'organization', tickets: 'ticket', comments: 'entry', audits: 'entry', ticket_events: 'entry' };

interface Parsed {
  kind: FileKind;
  /** `file:line` (or `file:index`) for failure reports. */
  where: string;
  value: unknown;
}

/** The objects of one file: a whole JSON document (an API page `{tickets: […]}`, an array) or JSON Lines. */
const parseFile = (name: string, content: string, kind: FileKind, failures: LegacyFailure[]): Parsed[] => {
  const out: Parsed[] = [];
  const flatten = (value: unknown, where: string) => {
    if (Array.isArray(value)) value.forEach((item, index) => out.push({ kind, where: `${where}#${index}`, value: item }));
    else if (typeof value === 'object' && value !== null && Array.isArray((value as Record<string, unknown>)[kind])) flatten((value as Record<string, unknown>)[kind], where);
    else out.push({ kind, where, value });
  };
  const trimmed = content.trimStart();
  if (/\.json$/i.test(name) && (trimmed.startsWith('[') || trimmed.startsWith('{'))) {
    try {
      flatten(JSON.parse(content), name);
      return out;
    } catch {
      // a .json file of JSON Lines: read it line by line below
    }
  }
  content.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      flatten(JSON.parse(line), `${name}:${index + 1}`);
    } catch (error) {
      failures.push({ entity: entityOf[kind], sourceId: `${name}:${index + 1}`, reason: `not JSON (${error instanceof Error ? error.message : String(error)})` });
    }
  });
  return out;
};

const issues = (error: z.ZodError) => error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`).join('; ');
const idHint = (value: unknown, where: string) => {
  const candidate = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['id'] : undefined;
  return typeof candidate === 'number' || typeof candidate === 'string' ? String(candidate) : where;
};

/** Keeps the newest version of each record: incremental exports repeat a record each time it changed. */
const newest = <T extends { id: string; updated_at: string }>(map: Map<string, T>, item: T) => {
  const seen = map.get(item.id);
  if (seen === undefined || Date.parse(item.updated_at) >= Date.parse(seen.updated_at)) map.set(item.id, item);
};

const CHANNELS: Record<string, string> = { email: 'email', web: 'web', web_form: 'web', api: 'api', chat: 'webchat', native_messaging: 'webchat', voice: 'phone', sms: 'sms', mobile_sdk: 'app' };
const STAFF_ROLES = new Set(['agent', 'admin']);

const stripHtml = (html: string) =>
  html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();

/** Everything one export directory holds, as records and failures. */
export interface ZendeskExport {
  records: LegacyRecord[];
  failures: LegacyFailure[];
}

/**
 * Reads a directory of Zendesk export files: `users*`, `organizations*`, `tickets*` (with embedded
 * `comments` or not), `ticket_comments*` / `comments*` (objects with a `ticket_id`),
 * `ticket_audits*` / `audits*` (audits whose Comment events are the entries) and `ticket_events*`
 * (the incremental ticket events export with comment child events) — each `.json` (an API page or
 * an array) or JSON Lines (`.jsonl`, `.ndjson`).
 */
export const loadZendeskExport = async (directory: string): Promise<ZendeskExport> => {
  const failures: LegacyFailure[] = [];
  const parsed: Parsed[] = [];
  for (const name of (await readdir(directory)).sort()) {
    const kind = kindOf(name);
    if (kind === null) continue;
    parsed.push(...parseFile(name, await readFile(join(directory, name), 'utf8'), kind, failures));
  }

  const users = new Map<string, ZendeskUser>();
  const organizations = new Map<string, z.output<typeof organizationSchema>>();
  const tickets = new Map<string, z.output<typeof ticketSchema>>();
  const comments = new Map<string, { ticketId: string; comment: ZendeskComment; createdAt: string | undefined; where: string }>();
  const fail = (entity: LegacyEntity, item: Parsed, reason: string) => failures.push({ entity, sourceId: idHint(item.value, item.where), reason });
  const addComment = (ticketId: unknown, value: unknown, createdAt: string | undefined, item: Parsed) => {
    const result = commentSchema.safeParse(value);
    if (!result.success) return fail('entry', { ...item, value }, issues(result.error));
    const ticket = id.safeParse(ticketId);
    if (!ticket.success) return fail('entry', { ...item, value }, 'ticket_id: missing');
    comments.set(result.data.id, { ticketId: ticket.data, comment: result.data, createdAt: result.data.created_at ?? createdAt, where: item.where });
  };

  for (const item of parsed) {
    const object = typeof item.value === 'object' && item.value !== null ? (item.value as Record<string, unknown>) : {};
    switch (item.kind) {
      case 'users': {
        const result = userSchema.safeParse(item.value);
        if (result.success) newest(users, result.data);
        else fail('user', item, issues(result.error));
        break;
      }
      case 'organizations': {
        const result = organizationSchema.safeParse(item.value);
        if (result.success) newest(organizations, result.data);
        else fail('organization', item, issues(result.error));
        break;
      }
      case 'tickets': {
        const result = ticketSchema.safeParse(item.value);
        if (!result.success) {
          fail('ticket', item, issues(result.error));
          break;
        }
        newest(tickets, result.data);
        for (const comment of result.data.comments ?? []) addComment(result.data.id, comment, undefined, item);
        break;
      }
      case 'comments':
        addComment(object['ticket_id'], item.value, undefined, item);
        break;
      case 'audits': {
        const events = Array.isArray(object['events']) ? object['events'] : [];
        const createdAt = typeof object['created_at'] === 'string' ? object['created_at'] : undefined;
        for (const event of events) {
          if (typeof event !== 'object' || event === null || !['Comment', 'VoiceComment'].includes(String((event as Record<string, unknown>)['type']))) continue;
          addComment(object['ticket_id'], { author_id: object['author_id'], ...event }, createdAt, item);
        }
        break;
      }
      case 'ticket_events': {
        const children = Array.isArray(object['child_events']) ? object['child_events'] : [];
        const createdAt =
          typeof object['created_at'] === 'string' ? object['created_at'] : typeof object['timestamp'] === 'number' ? new Date(object['timestamp'] * 1000).toISOString() : undefined;
        for (const child of children) {
          if (typeof child !== 'object' || child === null) continue;
          const event = child as Record<string, unknown>;
          if ((event['event_type'] ?? event['type']) !== 'Comment') continue;
          addComment(object['ticket_id'], { author_id: object['updater_id'], ...event }, createdAt, item);
        }
        break;
      }
    }
  }

  const records: LegacyRecord[] = [];
  for (const org of organizations.values()) {
    records.push({
      entity: 'organization',
      externalId: ref('organization', org.id),
      name: org.name,
      domains: org.domain_names ?? [],
      attributes: { ...(org.details ? { details: org.details } : {}), tags: org.tags ?? [] },
      createdAt: new Date(org.created_at),
      updatedAt: new Date(org.updated_at),
    });
  }
  for (const user of users.values()) {
    const identities: { kind: string; value: string }[] = [];
    const add = (kind: string, value: string | null | undefined) => {
      const text = value?.trim();
      if (text && !identities.some((i) => i.kind === kind && i.value === text)) identities.push({ kind, value: text });
    };
    add('email', user.email);
    for (const identity of user.identities ?? []) if (identity.type === 'email') add('email', identity.value);
    add('phone', user.phone);
    for (const identity of user.identities ?? []) if (identity.type === 'phone_number') add('phone', identity.value);
    const common = { createdAt: new Date(user.created_at), updatedAt: new Date(user.updated_at) };
    records.push({
      entity: 'user',
      externalId: ref('user', user.id),
      name: user.name?.trim() || null,
      identities,
      attributes: { role: user.role ?? 'end-user', tags: user.tags ?? [], ...(user.suspended ? { suspended: true } : {}) },
      organizationExternalId: user.organization_id ? ref('organization', user.organization_id) : null,
      ...common,
    });
    // Agents are users in Zendesk; the hub also wants them as staff.
    if (STAFF_ROLES.has(user.role ?? '')) {
      records.push({
        entity: 'staff',
        externalId: ref('staff', user.id),
        name: user.name?.trim() || null,
        identities,
        active: user.active !== false && user.suspended !== true,
        departmentExternalId: null,
        attributes: { role: user.role },
        ...common,
      });
    }
  }
  for (const ticket of tickets.values()) {
    if (!users.has(ticket.requester_id)) {
      failures.push({ entity: 'ticket', sourceId: ticket.id, reason: `requester_id: user ${ticket.requester_id} is not in the export` });
      continue;
    }
    const status = ticket.status.toLowerCase();
    records.push({
      entity: 'ticket',
      externalId: ref('ticket', ticket.id),
      userExternalId: ref('user', ticket.requester_id),
      subject: ticket.subject?.trim() || null,
      status: status === 'pending' ? 'pending' : ['solved', 'closed', 'deleted'].includes(status) ? 'closed' : 'open',
      channel: ticket.via?.channel === undefined ? null : (CHANNELS[String(ticket.via.channel)] ?? String(ticket.via.channel)),
      priority: ticket.priority ?? null,
      assigneeExternalId: ticket.assignee_id ? ref('staff', ticket.assignee_id) : null,
      attributes: { status, tags: ticket.tags ?? [], ...(ticket.type ? { type: ticket.type } : {}), ...(ticket.group_id ? { groupId: ticket.group_id } : {}) },
      createdAt: new Date(ticket.created_at),
      updatedAt: new Date(ticket.updated_at),
    });
  }
  for (const { ticketId, comment, createdAt, where } of comments.values()) {
    const ticket = tickets.get(ticketId);
    if (ticket === undefined || !users.has(ticket.requester_id)) {
      failures.push({ entity: 'entry', sourceId: comment.id, reason: `ticket ${ticketId} is not in the export (orphan comment, ${where})` });
      continue;
    }
    if (createdAt === undefined || Number.isNaN(Date.parse(createdAt))) {
      failures.push({ entity: 'entry', sourceId: comment.id, reason: 'created_at: missing' });
      continue;
    }
    const author = comment.author_id ? users.get(comment.author_id) : undefined;
    const staff = author !== undefined && STAFF_ROLES.has(author.role ?? '');
    const html = comment.html_body?.trim() ? comment.html_body : null;
    const messageId = comment.metadata?.system?.message_id;
    records.push({
      entity: 'entry',
      externalId: ref('entry', comment.id),
      ticketExternalId: ref('ticket', ticketId),
      direction: comment.public === false ? 'internal' : staff ? 'outbound' : 'inbound',
      author:
        author === undefined
          ? { kind: 'system', externalId: null, name: null }
          : { kind: staff ? 'staff' : 'user', externalId: ref(staff ? 'staff' : 'user', author.id), name: author.name ?? null },
      subject: null,
      text: comment.plain_body ?? comment.body ?? (html === null ? '' : stripHtml(html)),
      html,
      attachments: (comment.attachments ?? []).map((a) => ({
        name: a.file_name,
        contentType: a.content_type ?? 'application/octet-stream',
        ...(a.size === undefined ? {} : { size: a.size }),
        ...(a.content_url === undefined ? {} : { url: a.content_url }),
      })),
      messageId: messageId === undefined ? null : messageId.startsWith('<') ? messageId : `<${messageId}>`,
      occurredAt: new Date(createdAt),
      updatedAt: new Date(createdAt),
    });
  }
  return { records, failures };
};
