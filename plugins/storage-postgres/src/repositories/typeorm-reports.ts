import type { ChannelActivity, ChannelHopCount, ReportingRepository } from '@switchboard/core';
import type { EntityManager } from 'typeorm';

// Reports scan the ledger's messages in the window: no index is added for them, since every index
// on `interactions` is paid for by every ingest. Channel names sort in byte order (COLLATE "C"),
// as the in-memory store sorts them.

export class TypeormReportingRepository implements ReportingRepository {
  constructor(private readonly manager: EntityManager) {}

  async channelActivity(from: Date, to: Date): Promise<ChannelActivity[]> {
    const rows = await this.manager.query<
      { channel: string; inbound: string; outbound: string; conversations: string; customers: string; answered: string | null; median: string | number | null }[]
    >(
      `WITH traffic AS (
         SELECT channel,
                count(*) FILTER (WHERE direction = 'inbound') AS inbound,
                count(*) FILTER (WHERE direction = 'outbound') AS outbound,
                count(DISTINCT conversation_id) AS conversations,
                count(DISTINCT customer_id) FILTER (WHERE direction = 'inbound') AS customers
           FROM interactions
          WHERE type = 'message' AND direction <> 'internal' AND occurred_at >= $1 AND occurred_at < $2
          GROUP BY channel
       ), firsts AS (
         SELECT DISTINCT ON (conversation_id) conversation_id, channel, occurred_at
           FROM interactions
          WHERE type = 'message' AND direction = 'inbound'
            AND conversation_id IN (SELECT DISTINCT conversation_id FROM interactions WHERE type = 'message' AND direction = 'inbound' AND occurred_at >= $1 AND occurred_at < $2)
          ORDER BY conversation_id, seq
       ), answered AS (
         SELECT f.channel, extract(epoch FROM min(o.occurred_at) - f.occurred_at)::float8 AS seconds
           FROM firsts f
           JOIN interactions o ON o.conversation_id = f.conversation_id AND o.type = 'message' AND o.direction = 'outbound' AND o.occurred_at >= f.occurred_at
          WHERE f.occurred_at >= $1 AND f.occurred_at < $2
          GROUP BY f.conversation_id, f.channel, f.occurred_at
       ), waits AS (
         SELECT channel, count(*) AS answered, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median FROM answered GROUP BY channel
       )
       SELECT t.channel, t.inbound, t.outbound, t.conversations, t.customers, w.answered, w.median
         FROM traffic t LEFT JOIN waits w ON w.channel = t.channel
        ORDER BY t.channel COLLATE "C"`,
      [from, to],
    );
    return rows.map((r) => ({
      channel: r.channel,
      inbound: Number(r.inbound),
      outbound: Number(r.outbound),
      conversations: Number(r.conversations),
      customers: Number(r.customers),
      firstResponse: { answered: Number(r.answered ?? 0), medianSeconds: r.median === null ? null : Number(r.median) },
    }));
  }

  async channelHops(from: Date, to: Date): Promise<ChannelHopCount[]> {
    const rows = await this.manager.query<{ from: string; to: string; count: string }[]>(
      `SELECT previous AS "from", channel AS "to", count(*) AS count FROM (
         SELECT channel, occurred_at, lag(channel) OVER (PARTITION BY conversation_id ORDER BY seq) AS previous
           FROM interactions
          WHERE type = 'message' AND direction = 'inbound'
            AND conversation_id IN (SELECT DISTINCT conversation_id FROM interactions WHERE type = 'message' AND direction = 'inbound' AND occurred_at >= $1 AND occurred_at < $2)
       ) ordered
       WHERE previous IS NOT NULL AND previous <> channel AND occurred_at >= $1 AND occurred_at < $2
       GROUP BY previous, channel
       ORDER BY count(*) DESC, previous COLLATE "C", channel COLLATE "C"`,
      [from, to],
    );
    return rows.map((r) => ({ from: r.from, to: r.to, count: Number(r.count) }));
  }

  async conversationSpread(from: Date, to: Date): Promise<{ conversations: number; crossChannel: number }> {
    const [row] = await this.manager.query<{ conversations: string; cross: string }[]>(
      `SELECT count(*) AS conversations, count(*) FILTER (WHERE channels > 1) AS cross FROM (
         SELECT conversation_id, count(DISTINCT channel) AS channels FROM interactions
          WHERE type = 'message' AND direction <> 'internal' AND occurred_at >= $1 AND occurred_at < $2
          GROUP BY conversation_id
       ) spread`,
      [from, to],
    );
    return { conversations: Number(row?.conversations ?? 0), crossChannel: Number(row?.cross ?? 0) };
  }
}
