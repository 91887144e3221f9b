import type { IdentityKey } from './identity.value-object.js';

export const MERGE_SUGGESTION_STATUSES = ['pending', 'accepted', 'dismissed'] as const;
export type MergeSuggestionStatus = (typeof MERGE_SUGGESTION_STATUSES)[number];

/**
 * A message named identities of two different customers: maybe one person, maybe not. The hub never
 * merges on its own; an agent accepts (merging `otherCustomerId` into `customerId`) or dismisses.
 * At most one suggestion per pair of customers is pending at a time.
 */
export interface MergeSuggestion {
  id: string;
  /** The customer whose message named the identity: the survivor when accepted. */
  customerId: string;
  /** The customer who holds `identity`. */
  otherCustomerId: string;
  identity: IdentityKey;
  /** The message that named it (null when the suggestion did not come from a message). */
  interactionId: string | null;
  status: MergeSuggestionStatus;
  createdAt: Date;
  decidedAt: Date | null;
}
