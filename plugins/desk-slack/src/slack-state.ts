import { readFile } from 'node:fs/promises';
import type { Logger, PluginState } from '@switchboard/core';
import type { types } from '@slack/bolt';
import { z } from 'zod';

type KnownBlock = types.KnownBlock;

/** Where a message was shown: the DM and the message, to update it in place and thread under it. */
export interface ShownMessage {
  channel: string;
  ts: string;
}

/** An offer's DM: where it is, what it showed, and the outcome it shows now. */
export interface ShownOffer extends ShownMessage {
  conversationId: string;
  agentId: string;
  summary: KnownBlock[];
  status: string;
}

const shownMessageSchema = z.object({ channel: z.string().min(1), ts: z.string().min(1) });
const shownOfferSchema = shownMessageSchema.extend({
  conversationId: z.string(),
  agentId: z.string(),
  summary: z.array(z.custom<KnownBlock>((v) => typeof v === 'object' && v !== null)),
  status: z.string(),
});

/** The file earlier versions kept in the instance's data folder; imported once, then left alone. */
export const LEGACY_STATE_FILE = 'slack-state.json';
const legacyFileSchema = z.object({
  offers: z.record(z.string(), z.unknown()).default({}),
  threads: z.record(z.string(), z.unknown()).default({}),
  threadConversations: z.record(z.string(), z.unknown()).default({}),
  posts: z.record(z.string(), z.unknown()).default({}),
  dms: z.record(z.string(), z.unknown()).default({}),
});
const IMPORTED_KEY = `imported:${LEGACY_STATE_FILE}`;

/**
 * What the Slack desk remembers about the messages it showed, in the hub's store (the plugin
 * state port), so that every hub process — api and workers, on any host — shares it:
 * `offer:<offer id>` the DM showing an offer (`claim:offer:<offer id>` while one delivery posts it),
 * `thread:<conversation>:<agent>` a working thread, `tc:<channel>:<ts>` the conversation a thread
 * works on, `post:<entry id>:<agent>` a post shown, `dm:<Slack user>` the DM channel with the bot.
 * The last two mappings never change once written, so they are also cached in memory.
 */
/** The keys written per offer and per post, which `stateRetentionDays` expires. */
export const SLACK_EXPIRING_PREFIXES = ['offer:', 'claim:offer:', 'post:'] as const;

export class SlackState {
  private readonly dms = new Map<string, string>();
  private readonly threadConversations = new Map<string, string>();

  constructor(private readonly state: PluginState) {}

  /**
   * Claims the right to post an offer: of two concurrent deliveries one posts. A claim older than
   * `staleMs` (its holder died before recording the DM) may be taken over.
   */
  async claimOffer(offerId: string, now: Date, staleMs: number): Promise<boolean> {
    const key = `claim:offer:${offerId}`;
    if (await this.state.setIfAbsent(key, now.toISOString())) return true;
    const at = await this.state.get(key);
    if (typeof at === 'string' && now.getTime() - Date.parse(at) <= staleMs) return false;
    await this.state.set(key, now.toISOString());
    return true;
  }

  /** Gives a claim up after a failed post, so that the retry posts at once. */
  async releaseOffer(offerId: string): Promise<void> {
    await this.state.delete(`claim:offer:${offerId}`);
  }

  async shownOffer(offerId: string): Promise<ShownOffer | undefined> {
    const parsed = shownOfferSchema.safeParse(await this.state.get(`offer:${offerId}`));
    return parsed.success ? parsed.data : undefined;
  }

  async saveOffer(offerId: string, shown: ShownOffer): Promise<void> {
    await this.state.set(`offer:${offerId}`, shown);
  }

  async thread(conversationId: string, agentId: string): Promise<ShownMessage | undefined> {
    const parsed = shownMessageSchema.safeParse(await this.state.get(`thread:${conversationId}:${agentId}`));
    return parsed.success ? parsed.data : undefined;
  }

  async saveThread(conversationId: string, agentId: string, thread: ShownMessage): Promise<void> {
    // The reverse mapping first: a reply typed in the thread must find its conversation.
    await this.state.set(`tc:${thread.channel}:${thread.ts}`, conversationId);
    this.threadConversations.set(`${thread.channel}:${thread.ts}`, conversationId);
    await this.state.set(`thread:${conversationId}:${agentId}`, { channel: thread.channel, ts: thread.ts });
  }

  /** The conversation a thread (by its DM channel and root ts) works on. */
  async threadConversation(channel: string, ts: string): Promise<string | undefined> {
    const key = `${channel}:${ts}`;
    const cached = this.threadConversations.get(key);
    if (cached) return cached;
    const stored = await this.state.get(`tc:${key}`);
    if (typeof stored !== 'string') return undefined;
    this.threadConversations.set(key, stored);
    return stored;
  }

  async posted(postKey: string): Promise<boolean> {
    return (await this.state.get(`post:${postKey}`)) !== undefined;
  }

  async savePost(postKey: string, ts: string): Promise<void> {
    await this.state.set(`post:${postKey}`, ts);
  }

  async dm(user: string): Promise<string | undefined> {
    const cached = this.dms.get(user);
    if (cached) return cached;
    const stored = await this.state.get(`dm:${user}`);
    if (typeof stored !== 'string') return undefined;
    this.dms.set(user, stored);
    return stored;
  }

  async saveDm(user: string, channel: string): Promise<void> {
    await this.state.set(`dm:${user}`, channel);
    this.dms.set(user, channel);
  }

  /**
   * Imports the JSON file of earlier versions (`<data folder>/slack-state.json`) once: entries the
   * store already has win, a marker key records the import, and the file is left as it is (no
   * longer read; it may be deleted). Answers how many entries were imported (0 when there was
   * nothing to do).
   */
  async importLegacyFile(file: string, now: Date, logger: Logger): Promise<number> {
    if ((await this.state.get(IMPORTED_KEY)) !== undefined) return 0;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    let parsed: z.infer<typeof legacyFileSchema>;
    try {
      parsed = legacyFileSchema.parse(JSON.parse(text));
    } catch (error) {
      // A torn or foreign file: say so once and go on without it (the messages it knew stay in Slack).
      logger.warn({ file, err: error instanceof Error ? error.message.slice(0, 300) : String(error) }, 'Slack state file unreadable; not imported');
      await this.state.set(IMPORTED_KEY, { at: now.toISOString(), entries: 0, unreadable: true });
      return 0;
    }
    const entries: [string, unknown][] = [];
    for (const [offerId, value] of Object.entries(parsed.offers)) {
      if (!shownOfferSchema.safeParse(value).success) continue;
      entries.push([`offer:${offerId}`, value], [`claim:offer:${offerId}`, now.toISOString()]);
    }
    for (const [key, value] of Object.entries(parsed.threads)) {
      const thread = shownMessageSchema.safeParse(value);
      if (thread.success) entries.push([`thread:${key}`, { channel: thread.data.channel, ts: thread.data.ts }]);
    }
    for (const [key, value] of Object.entries(parsed.threadConversations)) if (typeof value === 'string') entries.push([`tc:${key}`, value]);
    for (const [key, value] of Object.entries(parsed.posts)) if (typeof value === 'string') entries.push([`post:${key}`, value]);
    for (const [user, value] of Object.entries(parsed.dms)) if (typeof value === 'string') entries.push([`dm:${user}`, value]);
    let imported = 0;
    for (const [key, value] of entries) if (await this.state.setIfAbsent(key, value)) imported += 1;
    await this.state.set(IMPORTED_KEY, { at: now.toISOString(), entries: imported });
    logger.info({ file, entries: imported }, 'Slack state file imported into the hub store; the file is no longer read');
    return imported;
  }
}
