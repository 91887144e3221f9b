import type { Interaction } from '../../ledger/interaction.entity.js';
import type { ChannelActivity, ChannelHopCount, ReportingRepository } from '../../reporting/ports/reporting-store.port.js';
import type { Db } from './tables.js';

const within = (at: Date, from: Date, to: Date) => at.getTime() >= from.getTime() && at.getTime() < to.getTime();

const median = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The SQL stores' aggregates, computed over the in-memory tables (same definitions). */
export class InMemoryReportingRepository implements ReportingRepository {
  constructor(private readonly db: Db) {}

  private messages(): Interaction[] {
    return this.db.interactions.values().filter((i) => i.type === 'message');
  }

  private byConversation(): Map<string, Interaction[]> {
    const chains = new Map<string, Interaction[]>();
    for (const m of this.messages()) chains.set(m.conversationId, [...(chains.get(m.conversationId) ?? []), m]);
    for (const chain of chains.values()) chain.sort((a, b) => a.seq - b.seq);
    return chains;
  }

  async channelActivity(from: Date, to: Date): Promise<ChannelActivity[]> {
    const rows = new Map<string, { inbound: number; outbound: number; conversations: Set<string>; customers: Set<string>; waits: number[] }>();
    const row = (channel: string) => {
      let found = rows.get(channel);
      if (!found) rows.set(channel, (found = { inbound: 0, outbound: 0, conversations: new Set(), customers: new Set(), waits: [] }));
      return found;
    };
    for (const m of this.messages()) {
      if (!within(m.occurredAt, from, to) || m.direction === 'internal') continue;
      const r = row(m.channel);
      if (m.direction === 'inbound') {
        r.inbound += 1;
        r.customers.add(m.customerId);
      } else r.outbound += 1;
      r.conversations.add(m.conversationId);
    }
    for (const chain of this.byConversation().values()) {
      const first = chain.find((m) => m.direction === 'inbound');
      if (!first || !within(first.occurredAt, from, to)) continue;
      const reply = chain.filter((m) => m.direction === 'outbound' && m.occurredAt.getTime() >= first.occurredAt.getTime()).sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())[0];
      if (reply) row(first.channel).waits.push((reply.occurredAt.getTime() - first.occurredAt.getTime()) / 1000);
    }
    return [...rows.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([channel, r]) => ({
        channel,
        inbound: r.inbound,
        outbound: r.outbound,
        conversations: r.conversations.size,
        customers: r.customers.size,
        firstResponse: { answered: r.waits.length, medianSeconds: median(r.waits) },
      }));
  }

  async channelHops(from: Date, to: Date): Promise<ChannelHopCount[]> {
    const counts = new Map<string, ChannelHopCount>();
    for (const chain of this.byConversation().values()) {
      let previous: string | null = null;
      for (const m of chain) {
        if (m.direction !== 'inbound') continue;
        if (previous !== null && previous !== m.channel && within(m.occurredAt, from, to)) {
          const key = `${previous}\0${m.channel}`;
          const hop = counts.get(key) ?? { from: previous, to: m.channel, count: 0 };
          hop.count += 1;
          counts.set(key, hop);
        }
        previous = m.channel;
      }
    }
    return [...counts.values()].sort((a, b) => b.count - a.count || (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
  }

  async conversationSpread(from: Date, to: Date): Promise<{ conversations: number; crossChannel: number }> {
    const channels = new Map<string, Set<string>>();
    for (const m of this.messages()) {
      if (!within(m.occurredAt, from, to) || m.direction === 'internal') continue;
      channels.set(m.conversationId, (channels.get(m.conversationId) ?? new Set()).add(m.channel));
    }
    return { conversations: channels.size, crossChannel: [...channels.values()].filter((c) => c.size > 1).length };
  }
}
