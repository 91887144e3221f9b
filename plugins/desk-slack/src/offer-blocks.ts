import type { DeskContext, DeskOffer, DeskOfferUpdate } from '@switchboard/core';
import type { types } from '@slack/bolt';

type KnownBlock = types.KnownBlock;

export const ACTIONS = { accept: 'sb_accept', decline: 'sb_decline' } as const;

// Slack's mrkdwn treats these as control characters: customers' text is shown as written.
const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const minutesSince = (since: Date, now: Date): string => {
  const minutes = Math.max(0, Math.round((now.getTime() - since.getTime()) / 60_000));
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
};

/** `<!date>` shows a time in the reader's own time zone, with a fallback text. */
const slackDate = (at: Date): string => `<!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} {time}|${at.toISOString()}>`;

export const customerName = (context: DeskContext): string =>
  context.customer.displayName ?? context.customer.identities[0]?.value ?? `customer ${context.customer.id}`;

/** What an offer shows about the customer, and what stays on the message once it is answered. */
export const contextBlocks = (context: DeskContext, now: Date): KnownBlock[] => {
  const fields = [
    `*Customer*\n${escape(customerName(context))}`,
    `*Identities*\n${escape(context.customer.identities.map((i) => `${i.kind}:${i.value}`).join(', ') || '—')}`,
    `*Channel*\n${escape(context.channel)}`,
    `*Queue*\n${escape(context.queue?.name ?? '—')}`,
    `*Priority*\n${context.priority ?? 0}`,
    `*Waiting*\n${context.waitingSince ? minutesSince(context.waitingSince, now) : '—'}`,
  ];
  if (context.slaDue) fields.push(`*SLA due (${context.slaDue.kind})*\n${slackDate(context.slaDue.at)}`);
  // CRM facts (cached by the hub): who the customer is in the CRM, with a link to the record.
  for (const crm of context.crm ?? []) {
    const facts = [crm.name, crm.company, crm.lifecycleStage, crm.owner ? `owner ${crm.owner}` : null].filter((f): f is string => Boolean(f)).map(escape).join(' · ') || `contact ${escape(crm.contactId)}`;
    fields.push(`*${escape(crm.system)}*\n${crm.url ? `<${crm.url}|${facts}>` : facts}`);
  }
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${escape(clip(context.subject ?? 'New conversation', 150))}*` } },
    { type: 'section', fields: fields.slice(0, 10).map((text) => ({ type: 'mrkdwn' as const, text })) },
  ];
  if (context.recent.length > 0) {
    const lines = context.recent
      .slice(0, 5)
      .map((entry) => `${entry.direction === 'inbound' ? '→' : entry.direction === 'outbound' ? '←' : '✎'} _${escape(entry.channel)}_ ${escape(clip(entry.text.replace(/\s+/g, ' '), 200))}`);
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `*Latest messages*\n${lines.join('\n')}` }] });
  }
  return blocks;
};

export const offerText = (offer: DeskOffer): string => `New conversation offered: ${customerName(offer.context)} (${offer.context.channel}, queue ${offer.queueName || '—'})`;

/** The DM for a pending offer: the customer's context (`summary`: contextBlocks, made once per offer) and Accept / Decline. */
export const offerBlocks = (offer: DeskOffer, now: Date, summary: KnownBlock[] = contextBlocks(offer.context, now)): KnownBlock[] => [
  ...summary,
  { type: 'context', elements: [{ type: 'mrkdwn', text: `Offer expires ${slackDate(offer.expiresAt)}` }] },
  {
    type: 'actions',
    block_id: `offer:${offer.offerId}`,
    elements: [
      { type: 'button', action_id: ACTIONS.accept, style: 'primary', text: { type: 'plain_text', text: 'Accept' }, value: offer.offerId },
      { type: 'button', action_id: ACTIONS.decline, style: 'danger', text: { type: 'plain_text', text: 'Decline' }, value: offer.offerId },
    ],
  },
];

const OUTCOME_TEXT: Record<DeskOfferUpdate['status'], string> = {
  accepted: ':white_check_mark: Accepted. Replies in this thread go to the customer; start a message with {prefix} for an internal note.',
  declined: ':no_entry_sign: Declined.',
  expired: ':hourglass: Expired: the offer timed out and went to the next agent.',
  rescinded: ':leftwards_arrow_with_hook: Withdrawn: the conversation was resolved or moved.',
};

/** The same message once answered: the context stays, the buttons go. */
export const answeredBlocks = (summary: KnownBlock[], update: DeskOfferUpdate, notePrefix: string): KnownBlock[] => [
  ...summary,
  {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${OUTCOME_TEXT[update.status].replace('{prefix}', `\`${notePrefix}\``)}${update.reason && update.status === 'declined' ? ` Reason: ${escape(update.reason)}` : ''}` }],
  },
];

export const outcomeText = (update: DeskOfferUpdate): string => `Offer ${update.status}`;
