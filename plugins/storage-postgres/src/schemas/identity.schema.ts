import type { IdentityKind } from '@switchboard/core';
import { EntitySchema } from 'typeorm';
import type { JsonObject } from '../mappers/json.mapper.js';

export interface CustomerRow {
  id: string;
  displayName: string | null;
  attributes: JsonObject;
  mergedInto: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const CustomerSchema = new EntitySchema<CustomerRow>({
  name: 'Customer',
  tableName: 'customers',
  columns: {
    id: { type: 'uuid', primary: true, primaryKeyConstraintName: 'pk_customers' },
    displayName: { type: 'text', name: 'display_name', nullable: true },
    attributes: { type: 'jsonb', default: () => "'{}'::jsonb" },
    mergedInto: { type: 'uuid', name: 'merged_into', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    updatedAt: { type: 'timestamptz', name: 'updated_at' },
  },
  indices: [{ name: 'ix_customers_merged_into', columns: ['mergedInto'], where: 'merged_into IS NOT NULL' }],
});

export interface IdentityRow {
  kind: IdentityKind;
  value: string;
  customerId: string;
  verified: boolean;
  createdAt: Date;
}

export const IdentitySchema = new EntitySchema<IdentityRow>({
  name: 'Identity',
  tableName: 'identities',
  columns: {
    // (kind, value) is the identity itself, so it is the primary key: unique across the hub
    kind: { type: 'varchar', length: 32, primary: true, primaryKeyConstraintName: 'pk_identities' },
    value: { type: 'varchar', length: 320, primary: true, primaryKeyConstraintName: 'pk_identities' },
    customerId: { type: 'uuid', name: 'customer_id' },
    verified: { type: 'boolean' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
  },
  indices: [{ name: 'ix_identities_customer', columns: ['customerId', 'createdAt'] }],
});
