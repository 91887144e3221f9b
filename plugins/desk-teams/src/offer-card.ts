import type { DeskOffer, DeskOfferUpdate } from '@switchboard/core';

export type OfferCardStatus = 'offered' | DeskOfferUpdate['status'];

/** The data an Accept / Decline click carries back (Action.Submit `data`, the activity's `value`). */
export interface OfferAction {
  switchboard: 'offer';
  action: 'accept' | 'decline';
  offerId: string;
}

/** A click on an accepted card's conversation actions; `text` is the card's input. */
export interface ConversationAction {
  switchboard: 'conversation';
  action: 'reply' | 'note' | 'resolve';
  conversationId: string;
  text?: string;
}

export const isConversationAction = (value: unknown): value is ConversationAction => {
  const v = value as Partial<ConversationAction> | null | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.switchboard === 'conversation' &&
    (v.action === 'reply' || v.action === 'note' || v.action === 'resolve') &&
    typeof v.conversationId === 'string' &&
    (v.text === undefined || typeof v.text === 'string')
  );
};

export const isOfferAction = (value: unknown): value is OfferAction => {
  const v = value as Partial<OfferAction> | null | undefined;
  return typeof v === 'object' && v !== null && v.switchboard === 'offer' && (v.action === 'accept' || v.action === 'decline') && typeof v.offerId === 'string';
};

const STATUS_TEXT: Record<OfferCardStatus, string> = {
  offered: 'Waiting for your answer',
  accepted: 'Accepted — the conversation continues in the replies below',
  declined: 'Declined',
  expired: 'Expired — offered to someone else',
  rescinded: 'Withdrawn',
};

const minutes = (ms: number): string => `${Math.max(0, Math.round(ms / 60_000))} min`;

/** What the card shows, kept with the offer so an update can redraw it without the hub. */
export interface OfferCardData {
  offerId: string;
  conversationId: string;
  customer: string;
  identities: string[];
  channel: string;
  queue: string;
  subject: string | null;
  priority?: number | undefined;
  waitingSince?: string | undefined;
  slaDue?: string | undefined;
  expiresAt: string;
  recent: { channel: string; direction: string; text: string }[];
  /** The customer's CRM contacts, as the hub cached them. */
  crm?: { system: string; facts: string; url: string | null }[] | undefined;
}

// In a personal chat Teams has no reply chains for typed messages: the accepted card carries an
// input with Send / Note / Resolve, so an agent can work without a channel thread.
const conversationActions = (conversationId: string) => [
  { type: 'Action.Submit', title: 'Send to customer', data: { switchboard: 'conversation', action: 'reply', conversationId } satisfies ConversationAction },
  { type: 'Action.Submit', title: 'Add note', data: { switchboard: 'conversation', action: 'note', conversationId } satisfies ConversationAction },
  { type: 'Action.Submit', title: 'Resolve', data: { switchboard: 'conversation', action: 'resolve', conversationId } satisfies ConversationAction },
];

export const offerCardData = (offer: DeskOffer): OfferCardData => {
  const { context } = offer;
  return {
    offerId: offer.offerId,
    conversationId: context.conversationId,
    customer: context.customer.displayName ?? 'Unknown customer',
    identities: context.customer.identities.map((i) => `${i.kind}:${i.value}`),
    channel: context.channel,
    queue: context.queue?.name ?? offer.queueName,
    subject: context.subject,
    priority: context.priority,
    waitingSince: context.waitingSince?.toISOString(),
    slaDue: context.slaDue === undefined ? undefined : `${context.slaDue.at.toISOString()} (${context.slaDue.kind})`,
    expiresAt: offer.expiresAt.toISOString(),
    recent: context.recent.slice(0, 5).map((r) => ({ channel: r.channel, direction: r.direction, text: r.text.slice(0, 300) })),
    ...(context.crm?.length
      ? {
          crm: context.crm.map((c) => ({
            system: c.system,
            facts: [c.name, c.company, c.lifecycleStage, c.owner ? `owner ${c.owner}` : null].filter(Boolean).join(' · ') || `contact ${c.contactId}`,
            url: c.url,
          })),
        }
      : {}),
  };
};

/** The Adaptive Card of an offer in one of its states; only a waiting offer has actions. */
export const offerCard = (data: OfferCardData, status: OfferCardStatus, now: Date): Record<string, unknown> => {
  const facts = [
    { title: 'Customer', value: data.customer },
    { title: 'Identities', value: data.identities.join(', ') || '—' },
    { title: 'Channel', value: data.channel },
    { title: 'Queue', value: data.queue },
    ...(data.priority === undefined ? [] : [{ title: 'Priority', value: String(data.priority) }]),
    ...(data.waitingSince === undefined ? [] : [{ title: 'Waiting', value: minutes(now.getTime() - Date.parse(data.waitingSince)) }]),
    ...(data.slaDue === undefined ? [] : [{ title: 'SLA due', value: data.slaDue }]),
    ...(data.crm ?? []).map((c) => ({ title: c.system, value: c.url ? `[${c.facts}](${c.url})` : c.facts })),
    { title: 'Answer by', value: data.expiresAt },
  ];
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      { type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, text: `New conversation: ${data.subject ?? data.customer}` },
      { type: 'FactSet', facts },
      ...data.recent.map((r) => ({ type: 'TextBlock', wrap: true, isSubtle: r.direction !== 'inbound', text: `${r.channel} ${r.direction === 'inbound' ? '←' : '→'} ${r.text}` })),
      { type: 'TextBlock', id: 'status', weight: 'Bolder', wrap: true, text: STATUS_TEXT[status] },
      ...(status === 'accepted' ? [{ type: 'Input.Text', id: 'text', isMultiline: true, placeholder: 'Write to the customer, or a note' }] : []),
    ],
    actions:
      status === 'offered'
        ? [
            { type: 'Action.Submit', title: 'Accept', data: { switchboard: 'offer', action: 'accept', offerId: data.offerId } satisfies OfferAction },
            { type: 'Action.Submit', title: 'Decline', data: { switchboard: 'offer', action: 'decline', offerId: data.offerId } satisfies OfferAction },
          ]
        : status === 'accepted'
          ? conversationActions(data.conversationId)
          : [],
  };
};

/** Reads a card's state back (tests and the fake connector see what the agent sees). */
export const statusOfCard = (card: Record<string, unknown>): OfferCardStatus | undefined => {
  const body = card['body'] as { id?: string; text?: string }[] | undefined;
  const text = body?.find((b) => b.id === 'status')?.text;
  return (Object.entries(STATUS_TEXT) as [OfferCardStatus, string][]).find(([, t]) => t === text)?.[0];
};
