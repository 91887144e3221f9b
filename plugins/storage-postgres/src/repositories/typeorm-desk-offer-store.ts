import { isId, type DeskOfferRepository, type DeskRecentEntry, type Identity, type OfferToShow } from '@switchboard/core';
import type { EntityManager } from 'typeorm';
import { toConversation } from '../mappers/ledger.mapper.js';
import { toAgent, toOffer, toQueue } from '../mappers/routing.mapper.js';
import type { ConversationRow } from '../schemas/ledger.schema.js';
import { ConversationSchema } from '../schemas/ledger.schema.js';
import { AgentSchema, OfferSchema, QueueSchema, type AgentRow, type OfferRow, type QueueRow } from '../schemas/routing.schema.js';
import { prefixedSelectList, unprefixed } from './select-list.js';

type JsonIdentity = Omit<Identity, 'createdAt'> & { createdAt: string };
type JsonEntry = Omit<DeskRecentEntry, 'occurredAt'> & { occurredAt: string };

export class TypeormDeskOfferRepository implements DeskOfferRepository {
  private sql: string | undefined;

  constructor(private readonly manager: EntityManager) {}

  async toShow(offerId: string, recentLimit: number): Promise<OfferToShow | null> {
    if (!isId(offerId)) return null;
    const [row] = await this.manager.query<Record<string, unknown>[]>(this.statement(), [offerId, Math.max(1, Math.floor(recentLimit))]);
    const offer = row ? unprefixed<OfferRow>(row, 'o.', 'id') : null;
    if (!row || !offer) return null;
    const agent = unprefixed<AgentRow>(row, 'a.', 'id');
    const conversation = unprefixed<ConversationRow>(row, 'c.', 'id');
    const queue = unprefixed<QueueRow>(row, 'q.', 'id');
    return {
      offer: toOffer(offer),
      agent: agent ? toAgent(agent) : null,
      conversation: conversation ? toConversation(conversation) : null,
      customerDisplayName: (row['customerDisplayName'] as string | null) ?? null,
      identities: ((row['identities'] as JsonIdentity[] | null) ?? []).map((i) => ({ ...i, createdAt: new Date(i.createdAt) })),
      queue: queue ? toQueue(queue) : null,
      enqueuedAt: (row['enqueuedAt'] as Date | null) ?? null,
      recent: ((row['recent'] as JsonEntry[] | null) ?? []).map((e) => ({ ...e, occurredAt: new Date(e.occurredAt) })),
    };
  }

  // One statement for the offer, its agent, conversation, customer, identities, queue, work item and
  // the latest entries of the customer's family (one index walk per customer, as the timeline).
  private statement(): string {
    this.sql ??= `WITH RECURSIVE o AS (SELECT * FROM offers WHERE id = $1),
      c AS (SELECT conversations.* FROM conversations JOIN o ON conversations.id = o.conversation_id),
      family(id) AS (SELECT customer_id FROM c UNION SELECT cu.id FROM customers cu JOIN family f ON cu.merged_into = f.id)
    SELECT ${prefixedSelectList(this.manager, OfferSchema, 'o', 'o.')},
           ${prefixedSelectList(this.manager, AgentSchema, 'a', 'a.')},
           ${prefixedSelectList(this.manager, ConversationSchema, 'c', 'c.')},
           ${prefixedSelectList(this.manager, QueueSchema, 'q', 'q.')},
           cu.display_name AS "customerDisplayName",
           w.enqueued_at AS "enqueuedAt",
           (SELECT json_agg(json_build_object('kind', i.kind, 'value', i.value, 'customerId', i.customer_id, 'verified', i.verified, 'createdAt', i.created_at)
                            ORDER BY i.created_at, i.kind, i.value)
              FROM identities i WHERE i.customer_id = c.customer_id) AS identities,
           (SELECT json_agg(json_build_object('conversationId', t.conversation_id, 'type', t.type, 'direction', t.direction, 'channel', t.channel,
                                              'subject', t.subject, 'text', t.text, 'occurredAt', t.occurred_at)
                            ORDER BY t.occurred_at DESC, t.recorded_at DESC, t.id DESC)
              FROM (SELECT x.* FROM family k
                      CROSS JOIN LATERAL (
                        SELECT id, conversation_id, type, direction, channel, subject, text, occurred_at, recorded_at FROM interactions
                         WHERE customer_id = k.id AND type IN ('message', 'note')
                         ORDER BY occurred_at DESC, recorded_at DESC, id DESC LIMIT $2
                      ) AS x
                     ORDER BY x.occurred_at DESC, x.recorded_at DESC, x.id DESC LIMIT $2) AS t) AS recent
      FROM o
      LEFT JOIN agents a ON a.id = o.agent_id
      LEFT JOIN c ON true
      LEFT JOIN customers cu ON cu.id = c.customer_id
      LEFT JOIN queues q ON q.id = o.queue_id
      LEFT JOIN work_items w ON w.conversation_id = o.conversation_id`;
    return this.sql;
  }
}
