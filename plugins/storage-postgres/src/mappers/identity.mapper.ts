import type { Customer, Identity } from '@switchboard/core';
import type { CustomerRow, IdentityRow } from '../schemas/identity.schema.js';
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
