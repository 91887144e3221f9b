import type { DeskContext } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { contextBlocks } from '../offer-blocks.js';

const context = (crm?: DeskContext['crm']): DeskContext => ({
  conversationId: 'c-1',
  customer: { id: 'cu-1', displayName: 'Ann Lee', identities: [{ kind: 'email', value: 'ann@example.com' }] },
  channel: 'email',
  subject: 'Order 1234',
  recent: [],
  ...(crm ? { crm } : {}),
});

describe('Slack offer context blocks', () => {
  it('show the CRM facts the hub cached, linked to the record', () => {
    const blocks = JSON.stringify(
      contextBlocks(context([{ system: 'hubspot', contactId: '1001', name: 'Ann Lee', company: 'Acme <Ltd>', owner: 'Olga', lifecycleStage: 'customer', url: 'https://app.hubspot.com/contacts/1/record/0-1/1001' }]), new Date()),
    );
    expect(blocks).toContain('*hubspot*\\n<https://app.hubspot.com/contacts/1/record/0-1/1001|Ann Lee · Acme &lt;Ltd&gt; · customer · owner Olga>');
  });

  it('show no CRM field for a customer no CRM knows', () => {
    expect(JSON.stringify(contextBlocks(context(), new Date()))).not.toContain('hubspot');
  });
});
