import type { Customer, CustomerMerge, Identity, MergeSuggestion } from '@switchboard/core';
import type { CustomerMergeRow, CustomerRow, IdentityRow, MergeSuggestionRow } from '../schemas/identity.schema.js';
import { toJsonObject } from './json.mapper.js';

export const toCustomerRow = (c: Customer): CustomerRow => ({
  id: c.id,
  displayName: c.displayName,
  attributes: toJsonObject(c.attributes),
  mergedInto: c.mergedInto,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export const toCustomer = (r: CustomerRow): Customer => ({
  id: r.id,
  displayName: r.displayName,
  attributes: r.attributes,
  mergedInto: r.mergedInto,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

export const toIdentityRow = (i: Identity): IdentityRow => ({
  kind: i.kind,
  value: i.value,
  customerId: i.customerId,
  verified: i.verified,
  createdAt: i.createdAt,
});

export const toIdentity = (r: IdentityRow): Identity => ({
  kind: r.kind,
  value: r.value,
  customerId: r.customerId,
  verified: r.verified,
  createdAt: r.createdAt,
});

export const toMergeSuggestionRow = (s: MergeSuggestion): MergeSuggestionRow => ({
  id: s.id,
  customerId: s.customerId,
  otherCustomerId: s.otherCustomerId,
  identityKind: s.identity.kind,
  identityValue: s.identity.value,
  interactionId: s.interactionId,
  status: s.status,
  createdAt: s.createdAt,
  decidedAt: s.decidedAt,
});

export const toMergeSuggestion = (r: MergeSuggestionRow): MergeSuggestion => ({
  id: r.id,
  customerId: r.customerId,
  otherCustomerId: r.otherCustomerId,
  identity: { kind: r.identityKind, value: r.identityValue },
  interactionId: r.interactionId,
  status: r.status,
  createdAt: r.createdAt,
  decidedAt: r.decidedAt,
});

export const toCustomerMergeRow = (m: CustomerMerge): CustomerMergeRow => ({ ...m, attributes: m.attributes.map((a) => ({ ...a })) });

export const toCustomerMerge = (r: CustomerMergeRow): CustomerMerge => ({
  id: r.id,
  survivorId: r.survivorId,
  mergedId: r.mergedId,
  identities: r.identities,
  conversations: r.conversations,
  attributes: r.attributes,
  displayNameBefore: r.displayNameBefore,
  displayNameChanged: r.displayNameChanged,
  createdAt: r.createdAt,
  undoneAt: r.undoneAt,
});
