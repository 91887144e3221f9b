export type DeliveryStatus = 'pending' | 'delivered' | 'retrying' | 'dead';

/** Delivery state of an outbound interaction: mutable, so it lives beside the ledger, not in it. */
export interface Delivery {
  interactionId: string;
  channel: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  /** While set in the future, one worker owns the attempt. */
  leaseUntil: Date | null;
  reason: string | null;
  providerMessageId: string | null;
  updatedAt: Date;
}
