import { definePlugin, secret, type Health } from '@switchboard/core';
import { z } from 'zod';
import { EmailChannel } from './email-channel.js';
import { MailboxWatcher } from './mailbox-watcher.js';
import { SubjectTokens } from './subject-token.js';

const port = z.number().int().min(1).max(65535);
const credentials = {
  user: z.string().min(1),
  /** Password login, by secret reference. */
  password: secret(z.string().min(1)).optional(),
  /** OAuth2 access token (XOAUTH2), by secret reference. */
  accessToken: secret(z.string().min(1)).optional(),
};

const imapSchema = z
  .strictObject({
    host: z.string().min(1),
    port: port.default(143),
    secure: z.boolean().default(false),
    ...credentials,
    mailbox: z.string().min(1).default('INBOX'),
    /** What happens to a mail once it is in the ledger: flagged \Seen, moved to `moveTo`, or left alone. */
    afterIngest: z.enum(['seen', 'move', 'none']).default('seen'),
    moveTo: z.string().min(1).optional(),
    /** Poll fallback when IDLE brings nothing. */
    pollSeconds: z.number().int().min(1).max(3600).default(60),
    /** NOOP watchdog: a connection that does not answer is replaced. */
    noopSeconds: z.number().int().min(1).max(3600).default(120),
  })
  .refine((imap) => imap.password !== undefined || imap.accessToken !== undefined, { message: 'imap needs a password or an accessToken', path: ['password'] })
  .refine((imap) => imap.afterIngest !== 'move' || imap.moveTo !== undefined, { message: 'afterIngest: move needs moveTo', path: ['moveTo'] });

const smtpSchema = z.strictObject({
  host: z.string().min(1),
  port: port.default(25),
  secure: z.boolean().default(false),
  user: z.string().min(1).optional(),
  password: secret(z.string().min(1)).optional(),
  accessToken: secret(z.string().min(1)).optional(),
});

export const emailConfigSchema = z.strictObject({
  /** The channel name recorded on interactions of this instance (one name per instance). */
  channel: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a channel name is 1 to 64 of [a-z0-9._-]').default('email'),
  /** Our address: From of replies; mail from it is never answered. */
  address: z.email(),
  /** More addresses of ours (aliases): mail from them is recorded, never answered. */
  aliases: z.array(z.email()).default([]),
  imap: imapSchema,
  smtp: smtpSchema,
  /** Mails larger than this (RFC822.SIZE) are recorded with the reason and not downloaded. */
  maxMessageBytes: z.number().int().min(1024).default(26_214_400),
  /**
   * When a mail's source is kept in the blob store as `original.eml`: `when-needed` — when the
   * ledger would not hold all of it (unreadable, quoted history cut from the reply, text clipped,
   * a delivery report) — or `always` (every mail's headers and MIME as received, one more blob per mail).
   */
  keepOriginal: z.enum(['when-needed', 'always']).default('when-needed'),
});
export type EmailConfig = z.output<typeof emailConfigSchema>;

export const emailPlugin = definePlugin({
  id: '@switchboard/channel-email',
  displayName: 'Email channel (IMAP in, SMTP out)',
  version: '0.1.0',
  apiVersion: 1,
  kinds: ['channel'],
  configSchema: emailConfigSchema,
  create(context, config) {
    const logger = context.logger.child({ plugin: '@switchboard/channel-email', instanceId: context.instanceId });
    // The state is usable from start() on: read it when a mail comes or goes, not now.
    const tokens = new SubjectTokens(() => context.state);
    const channel = new EmailChannel({ channel: config.channel, address: config.address, smtp: config.smtp, logger, tokens });
    const ownAddresses = new Set([config.address, ...config.aliases].map((a) => a.toLowerCase()));
    const watcher = new MailboxWatcher({
      imap: config.imap,
      maxMessageBytes: config.maxMessageBytes,
      convert: { channel: config.channel, instanceId: context.instanceId, ownAddresses, blobs: context.blobs, maxAttachmentBytes: config.maxMessageBytes, keepOriginal: config.keepOriginal },
      ingest: context.ingest,
      deliveries: context.deliveries,
      state: context.state,
      logger,
      isOwnMessageId: (id) => channel.isOwnMessageId(id),
      tokens,
    });
    // Only where workers run: an API node must not read the mailbox.
    const watches = context.role !== 'api';
    return {
      channel,
      start: async () => {
        if (watches) watcher.start();
      },
      stop: async () => {
        await watcher.stop();
        channel.close();
      },
      health: async (): Promise<Health> => {
        if (!watches) return { status: 'up', detail: `sends through SMTP ${config.smtp.host}:${config.smtp.port}; the mailbox is read by workers` };
        const mailbox = watcher.health();
        return { status: mailbox.status, detail: `${config.imap.mailbox}: ${mailbox.detail ?? ''}`, parts: { [config.imap.mailbox]: mailbox } };
      },
      testConnection: async (): Promise<Health> => {
        const [imap, smtp] = await Promise.all([watcher.test(), channel.testConnection()]);
        const status = imap.status === 'up' && smtp.status === 'up' ? 'up' : 'down';
        return { status, detail: `${imap.detail ?? ''}; ${smtp.detail ?? ''}`, parts: { imap, smtp } };
      },
      resync: (request) => watcher.resync(request),
    };
  },
});
