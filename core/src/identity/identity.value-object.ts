import { domainToASCII } from 'node:url';
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { DomainError } from '../shared/domain-error.js';
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
// Domains are compared in their ASCII (punycode) form, so the top-level label may be `xn--…` too.
const EMAIL = /^[^\s@"(),:;<>[\\\]]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
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

/** How values are normalised beyond their own form: the hub's `hub.identity` settings. */
export interface NormaliseOptions {
  /** ISO 3166-1 alpha-2 region of phone numbers written in national form (`01632 960961` → `+441632960961` for `GB`). */
  defaultRegion?: string | null | undefined;
}

/** Whether `code` is a region the phone number metadata knows (`GB`, `US`, `DE`…). */
export const isPhoneRegion = (code: string): boolean => /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);

/**
 * The address with its domain in ASCII (IDNA/punycode, as mail servers compare it) and lower case.
 * The local part is kept as written apart from case, plus-addressing (`ann+orders@`) included.
 */
const normaliseEmail = (raw: string): string | null => {
  const at = raw.lastIndexOf('@');
  if (at <= 0 || at === raw.length - 1) return null;
  const domain = domainToASCII(raw.slice(at + 1));
  if (domain === '') return null;
  const value = `${raw.slice(0, at).toLowerCase()}@${domain.toLowerCase()}`;
  return EMAIL.test(value) ? value : null;
};

/**
 * Validates and normalises an identity; `field` names the value's input field in errors, and the
 * kind's field is derived from it (`from.value` → `from.kind`).
 */
export const identityOf = (kind: string, rawValue: string, field = 'value', options: NormaliseOptions = {}): IdentityKey => {
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
      const value = normaliseEmail(raw);
      if (value === null) throw identityErrors.invalidEmail(raw, field);
      return { kind, value };
    }
    case 'phone': {
      // "Possible" (right length for the country) rather than "valid": number plans change faster than
      // metadata, and refusing a real customer's number would lose their message.
      const region = options.defaultRegion && isPhoneRegion(options.defaultRegion) ? (options.defaultRegion as CountryCode) : undefined;
      const parsed = parsePhoneNumberFromString(raw, region === undefined ? undefined : { defaultCountry: region });
      if (!parsed?.isPossible()) {
        throw identityErrors.invalidPhone(raw, field, region ?? null);
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
export const parseIdentity = (written: string, field = 'identity', options: NormaliseOptions = {}): IdentityKey => {
  const colon = written.indexOf(':');
  if (colon <= 0) throw identityErrors.malformed(field);
  return identityOf(written.slice(0, colon), written.slice(colon + 1), field, options);
};

export type NormaliseResult = { ok: true; key: IdentityKey } | { ok: false; error: DomainError };

/** `identityOf` as a value: an invalid identity is an error value, never a throw. */
export const tryIdentityOf = (kind: string, rawValue: string, field = 'value', options: NormaliseOptions = {}): NormaliseResult => {
  try {
    return { ok: true, key: identityOf(kind, rawValue, field, options) };
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, error };
    throw error;
  }
};

export const formatIdentity = (key: IdentityKey): string => `${key.kind}:${key.value}`;
