import type { PluginState } from '@switchboard/core';
import { z } from 'zod';
import type { StoredReference } from './bot-framework.adapter.js';
import type { OfferCardData, OfferCardStatus } from './offer-card.js';

const userSchema = z.object({ id: z.string(), aadObjectId: z.string().optional(), name: z.string().optional() });
const referenceSchema = z.object({
  serviceUrl: z.string(),
  channelId: z.string(),
  conversationId: z.string(),
  tenantId: z.string().optional(),
  bot: z.object({ id: z.string(), name: z.string().optional() }),
  user: userSchema,
});
const shownOfferSchema = z.object({
  activityId: z.string(),
  agentId: z.string(),
  conversationId: z.string(),
  status: z.string(),
  card: z.custom<OfferCardData>((v) => typeof v === 'object' && v !== null),
});
export type ShownOffer = Omit<z.infer<typeof shownOfferSchema>, 'status'> & { status: OfferCardStatus };
const threadSchema = z.object({ rootActivityId: z.string(), conversationId: z.string(), agentId: z.string() });
export type Thread = z.infer<typeof threadSchema>;

/**
 * What the desk keeps in the hub (the plugin state port), by key:
 * `ref:<teams user id or aad id>` conversation references; `offer:<offer id>` shown cards;
 * `thread:<agent>:<conversation>` and `root:<activity id>` reply chains; `post:<post id>` posted ids.
 */
/** The keys written per offer and per post, which `stateRetentionDays` expires. */
export const TEAMS_EXPIRING_PREFIXES = ['offer:', 'post:'] as const;

export class TeamsDeskState {
  /**
   * References read or written here, by user: every card needs one, and they seldom change. One
   * saved by another process (the user wrote again from elsewhere) is seen once a call through the
   * cached one fails and the desk forgets it (`forgetReference`).
   */
  private readonly references = new Map<string, StoredReference>();

  constructor(private readonly state: PluginState) {}

  async saveReference(reference: StoredReference): Promise<void> {
    await this.state.set(`ref:${reference.user.id}`, reference);
    if (reference.user.aadObjectId) await this.state.set(`ref:${reference.user.aadObjectId}`, reference);
    this.remember(reference.user.id, reference);
    if (reference.user.aadObjectId) this.remember(reference.user.aadObjectId, reference);
  }

  async reference(user: string): Promise<StoredReference | undefined> {
    const known = this.references.get(user);
    if (known) return known;
    const parsed = referenceSchema.safeParse(await this.state.get(`ref:${user}`));
    if (!parsed.success) return undefined;
    this.remember(user, parsed.data);
    return parsed.data;
  }

  /** After a call through `reference` failed: the next one reads the stored reference again. */
  forgetReference(reference: StoredReference): void {
    for (const [user, known] of this.references) if (known.user.id === reference.user.id) this.references.delete(user);
  }

  private remember(user: string, reference: StoredReference): void {
    if (this.references.size >= 10_000) this.references.delete(this.references.keys().next().value ?? '');
    this.references.set(user, reference);
  }

  async referenceCount(): Promise<number> {
    // A reference is stored under its 29: id and its AAD id: count users once.
    const users = new Set((await this.state.list('ref:')).map((e) => referenceSchema.safeParse(e.value).data?.user.id));
    users.delete(undefined);
    return users.size;
  }

  async shownOffer(offerId: string): Promise<ShownOffer | undefined> {
    const parsed = shownOfferSchema.safeParse(await this.state.get(`offer:${offerId}`));
    return parsed.success ? (parsed.data as ShownOffer) : undefined;
  }

  /**
   * Claims the right to post an offer's card: only one of two concurrent deliveries posts. A claim
   * older than `staleMs` (its holder died before recording the card) may be taken over.
   */
  async claimOffer(offerId: string, now: Date, staleMs: number): Promise<boolean> {
    const key = `claim:offer:${offerId}`;
    if (await this.state.setIfAbsent(key, now.toISOString())) return true;
    const at = await this.state.get(key);
    if (typeof at === 'string' && now.getTime() - Date.parse(at) > staleMs) {
      await this.state.set(key, now.toISOString());
      return true;
    }
    return false;
  }

  /** Gives a claim up after a post that failed, so that the retry posts at once. */
  async releaseOffer(offerId: string): Promise<void> {
    await this.state.delete(`claim:offer:${offerId}`);
  }

  async saveOffer(offerId: string, shown: ShownOffer): Promise<void> {
    await this.state.set(`offer:${offerId}`, shown);
  }

  async thread(agentId: string, conversationId: string): Promise<Thread | undefined> {
    const parsed = threadSchema.safeParse(await this.state.get(`thread:${agentId}:${conversationId}`));
    return parsed.success ? parsed.data : undefined;
  }

  async saveThread(thread: Thread): Promise<void> {
    await this.state.set(`thread:${thread.agentId}:${thread.conversationId}`, thread);
    await this.state.set(`root:${thread.rootActivityId}`, thread);
  }

  /** The thread an activity id belongs to (its root or any post in it). */
  async threadOf(activityId: string): Promise<Thread | undefined> {
    const parsed = threadSchema.safeParse(await this.state.get(`root:${activityId}`));
    return parsed.success ? parsed.data : undefined;
  }

  async postedActivity(postId: string): Promise<string | undefined> {
    const value = await this.state.get(`post:${postId}`);
    return typeof value === 'string' ? value : undefined;
  }

  async savePost(postId: string, activityId: string, thread: Thread): Promise<void> {
    await this.state.set(`post:${postId}`, activityId);
    await this.state.set(`root:${activityId}`, thread);
  }
}
