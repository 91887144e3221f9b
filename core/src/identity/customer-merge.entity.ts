import type { IdentityKey } from './identity.value-object.js';

/** One attribute a merge changed on the survivor: what it was before (absent when `hadBefore` is false) and what the merge set. */
export interface MergedAttribute {
  key: string;
  hadBefore: boolean;
  before: unknown;
  after: unknown;
}

/**
 * What one merge moved, so that unmerge restores exactly that. The merged customer itself is left
 * as it was (its attributes included) apart from `mergedInto`; ledger entries are never rewritten.
 */
export interface CustomerMerge {
  id: string;
  survivorId: string;
  mergedId: string;
  /** Identities moved from the merged customer to the survivor. */
  identities: IdentityKey[];
  /** Conversations moved from the merged customer to the survivor. */
  conversations: string[];
  /** Attributes of the survivor the merge set or changed. */
  attributes: MergedAttribute[];
  /** The survivor's display name before, when the merge filled it in. */
  displayNameBefore: string | null;
  displayNameChanged: boolean;
  createdAt: Date;
  undoneAt: Date | null;
}
