import type { IdentityKey, IdentityKind, MergedAttribute, MergeSuggestionStatus } from '@switchboard/core';
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

export interface MergeSuggestionRow {
  id: string;
  customerId: string;
  otherCustomerId: string;
  identityKind: IdentityKind;
  identityValue: string;
  interactionId: string | null;
  status: MergeSuggestionStatus;
  createdAt: Date;
  decidedAt: Date | null;
}

// The pending-pair unique index (on LEAST/GREATEST of the two ids) lives in the migration only.
export const MergeSuggestionSchema = new EntitySchema<MergeSuggestionRow>({
  name: 'MergeSuggestion',
  tableName: 'merge_suggestions',
  columns: {
    id: { type: 'uuid', primary: true, primaryKeyConstraintName: 'pk_merge_suggestions' },
    customerId: { type: 'uuid', name: 'customer_id' },
    otherCustomerId: { type: 'uuid', name: 'other_customer_id' },
    identityKind: { type: 'varchar', length: 32, name: 'identity_kind' },
    identityValue: { type: 'varchar', length: 320, name: 'identity_value' },
    interactionId: { type: 'uuid', name: 'interaction_id', nullable: true },
    status: { type: 'varchar', length: 16 },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    decidedAt: { type: 'timestamptz', name: 'decided_at', nullable: true },
  },
});

export interface CustomerMergeRow {
  id: string;
  survivorId: string;
  mergedId: string;
  identities: IdentityKey[];
  conversations: string[];
  attributes: MergedAttribute[];
  displayNameBefore: string | null;
  displayNameChanged: boolean;
  createdAt: Date;
  undoneAt: Date | null;
}

export const CustomerMergeSchema = new EntitySchema<CustomerMergeRow>({
  name: 'CustomerMerge',
  tableName: 'customer_merges',
  columns: {
    id: { type: 'uuid', primary: true, primaryKeyConstraintName: 'pk_customer_merges' },
    survivorId: { type: 'uuid', name: 'survivor_id' },
    mergedId: { type: 'uuid', name: 'merged_id' },
    identities: { type: 'jsonb' },
    conversations: { type: 'jsonb' },
    attributes: { type: 'jsonb' },
    displayNameBefore: { type: 'text', name: 'display_name_before', nullable: true },
    displayNameChanged: { type: 'boolean', name: 'display_name_changed' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    undoneAt: { type: 'timestamptz', name: 'undone_at', nullable: true },
  },
});
