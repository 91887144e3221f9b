/** One channel's traffic in a window: ledger messages (not notes or status entries). */
export interface ChannelActivity {
  channel: string;
  inbound: number;
  outbound: number;
  /** Conversations with a message on this channel in the window. */
  conversations: number;
  /** Customers (as recorded on the entries) who wrote on this channel in the window. */
  customers: number;
  /**
   * Conversations that began on this channel in the window (their first inbound message) and got a
   * reply: how many, and the median seconds from that message to the first outbound one.
   */
  firstResponse: { answered: number; medianSeconds: number | null };
}

/** Customers who wrote on `to` after writing on `from` in the same conversation (a channel hop). */
export interface ChannelHopCount {
  from: string;
  to: string;
  count: number;
}

/** Whole-ledger aggregates for reports. Reads only; each answers in one statement on SQL stores. */
export interface ReportingRepository {
  /** Per channel, the messages that occurred in [from, to), by channel name. */
  channelActivity(from: Date, to: Date): Promise<ChannelActivity[]>;
  /** Inbound messages in [from, to) on another channel than the conversation's inbound message before them, by pair. */
  channelHops(from: Date, to: Date): Promise<ChannelHopCount[]>;
  /** Conversations with messages in [from, to) and how many of them used more than one channel. */
  conversationSpread(from: Date, to: Date): Promise<{ conversations: number; crossChannel: number }>;
}

export interface ReportingSession {
  readonly reports: ReportingRepository;
}
