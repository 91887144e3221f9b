import { invalid } from '../../shared/domain-error.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import type { ChannelActivity, ChannelHopCount, ReportingSession } from '../ports/reporting-store.port.js';

/** The longest window one report covers: the queries scan the ledger's entries in it. */
export const MAX_REPORT_DAYS = 366;

export interface ChannelReport {
  from: Date;
  to: Date;
  channels: ChannelActivity[];
  hops: ChannelHopCount[];
  totals: { inbound: number; outbound: number; conversations: number; crossChannelConversations: number; hops: number };
}

/** Cross-channel reporting over the ledger: what came in and went out on each channel, and how customers moved between them. */
export class ReportQueries {
  constructor(private readonly store: Transactions<ReportingSession>) {}

  async channels(from: Date, to: Date): Promise<ChannelReport> {
    if (!(from.getTime() < to.getTime())) throw invalid('REPORT.INVALID_WINDOW', '`from` must come before `to`', 'from');
    if (to.getTime() - from.getTime() > MAX_REPORT_DAYS * 86_400_000) throw invalid('REPORT.INVALID_WINDOW', `a report covers at most ${MAX_REPORT_DAYS} days`, 'to');
    const [channels, hops, spread] = await this.store.read((s) => Promise.all([s.reports.channelActivity(from, to), s.reports.channelHops(from, to), s.reports.conversationSpread(from, to)]));
    return {
      from,
      to,
      channels,
      hops,
      totals: {
        inbound: channels.reduce((n, c) => n + c.inbound, 0),
        outbound: channels.reduce((n, c) => n + c.outbound, 0),
        conversations: spread.conversations,
        crossChannelConversations: spread.crossChannel,
        hops: hops.reduce((n, h) => n + h.count, 0),
      },
    };
  }
}
