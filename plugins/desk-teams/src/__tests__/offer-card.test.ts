import type { DeskOffer } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { offerCard, offerCardData } from '../offer-card.js';

const offer = (crm?: DeskOffer['context']['crm']): DeskOffer => ({
  offerId: 'o-1',
  agentId: 'a-1',
  queueName: 'support',
  expiresAt: new Date('2026-12-01T10:00:00Z'),
  context: {
    conversationId: 'c-1',
    customer: { id: 'cu-1', displayName: 'Ann Lee', identities: [{ kind: 'email', value: 'ann@example.com' }] },
    channel: 'email',
    subject: 'Order 1234',
    recent: [],
    ...(crm ? { crm } : {}),
  },
});

describe('Teams offer card', () => {
  it('shows the CRM facts the hub cached as a fact linked to the record', () => {
    const data = offerCardData(offer([{ system: 'hubspot', contactId: '1001', name: 'Ann Lee', company: 'Acme', owner: null, lifecycleStage: 'lead', url: 'https://app.hubspot.com/contacts/1/record/0-1/1001' }]));
    expect(data.crm).toEqual([{ system: 'hubspot', facts: 'Ann Lee · Acme · lead', url: 'https://app.hubspot.com/contacts/1/record/0-1/1001' }]);
    expect(JSON.stringify(offerCard(data, 'offered', new Date('2026-12-01T09:00:00Z')))).toContain('{"title":"hubspot","value":"[Ann Lee · Acme · lead](https://app.hubspot.com/contacts/1/record/0-1/1001)"}');
  });

  it('has no CRM fact without a CRM contact', () => {
    expect(offerCardData(offer()).crm).toBeUndefined();
  });
});
