import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { identityErrors } from './identity.errors.js';

export const IDENTITY_KINDS = ['email', 'phone', 'slack', 'teams', 'webchat', 'crm', 'legacy', 'external'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export const isIdentityKind = (kind: string): kind is IdentityKind =>
  (IDENTITY_KINDS as readonly string[]).includes(kind);

/** A normalised `(kind, value)` pair. Made only through `identityOf`, so it always holds a valid value. */
export interface IdentityKey {
  readonly kind: IdentityKind;
  readonly value: string;
}

// Pragmatic address check (RFC 5322 allows more, but no mail system we connect to does).
const EMAIL = /^[^\s@"(),:;<>[\\\]]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const SEGMENT = /^[A-Za-z0-9._~+=-]{1,200}$/;

/**
 * Checks and joins the segments of a composite identity, written as `shape` (`team/user`,
 * `system:entity:id`, …). The system name of a `system:…` id is case-insensitive.
 */
const segments = (raw: string, shape: string, kind: IdentityKind, field: string): string => {
  const separator = shape.includes('/') ? '/' : ':';
  const parts = raw.split(separator);
  if (parts.length !== shape.split(separator).length || parts.some((p) => !SEGMENT.test(p))) {
    throw identityErrors.invalidValue(`a ${kind} identity is written ${shape}`, field);
  }
  return separator === ':' ? [parts[0]!.toLowerCase(), ...parts.slice(1)].join(':') : parts.join('/');
};

/**
 * Validates and normalises an identity; `field` names the value's input field in errors, and the
 * kind's field is derived from it (`from.value` → `from.kind`).
 */
export const identityOf = (kind: string, rawValue: string, field = 'value'): IdentityKey => {
  if (!isIdentityKind(kind)) {
    const kindField = field.endsWith('value') ? `${field.slice(0, -'value'.length)}kind` : field;
    throw identityErrors.unknownKind(kind, IDENTITY_KINDS, kindField);
  }
  const raw = rawValue.trim();
  if (raw.length === 0 || raw.length > 320) {
    throw identityErrors.invalidValue(`a ${kind} identity needs a value of 1 to 320 characters`, field);
  }
  switch (kind) {
    case 'email': {
      const value = raw.toLowerCase();
      if (!EMAIL.test(value)) throw identityErrors.invalidEmail(raw, field);
      return { kind, value };
    }
    case 'phone': {
      // "Possible" (right length for the country) rather than "valid": number plans change faster than
      // metadata, and refusing a real customer's number would lose their message.
      const parsed = parsePhoneNumberFromString(raw);
      if (!parsed?.isPossible()) {
        throw identityErrors.invalidPhone(raw, field);
      }
      return { kind, value: parsed.number };
    }
    case 'webchat':
      if (!SEGMENT.test(raw)) throw identityErrors.invalidValue('a webchat visitor id is 1 to 200 of [A-Za-z0-9._~+=-]', field);
      return { kind, value: raw };
    case 'slack':
      return { kind, value: segments(raw, 'team/user', kind, field) };
    case 'teams':
      return { kind, value: segments(raw, 'tenant/user', kind, field) };
    case 'crm':
    case 'external':
      return { kind, value: segments(raw, 'system:id', kind, field) };
    case 'legacy':
      return { kind, value: segments(raw, 'system:entity:id', kind, field) };
  }
};

/** Parses the `kind:value` form, split at the first colon. */
export const parseIdentity = (written: string, field = 'identity'): IdentityKey => {
  const colon = written.indexOf(':');
  if (colon <= 0) throw identityErrors.malformed(field);
  return identityOf(written.slice(0, colon), written.slice(colon + 1), field);
};

export const formatIdentity = (key: IdentityKey): string => `${key.kind}:${key.value}`;
