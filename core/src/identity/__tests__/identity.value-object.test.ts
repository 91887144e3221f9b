import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../shared/domain-error.js';
import { IDENTITY_KINDS, formatIdentity, identityOf, isPhoneRegion, parseIdentity, tryIdentityOf } from '../identity.value-object.js';

const failure = (run: () => unknown): DomainError => {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
};

describe('identity normalisation', () => {
  it('lower-cases and trims email addresses', () => {
    expect(identityOf('email', '  Ann@Example.COM ')).toEqual({ kind: 'email', value: 'ann@example.com' });
  });

  it('writes phone numbers in E.164', () => {
    expect(identityOf('phone', '+44 1632 960961').value).toBe('+441632960961');
    expect(identityOf('phone', '+44 (0)20 7946 0958').value).toBe('+442079460958');
    expect(identityOf('phone', '+1 (415) 555-2671').value).toBe('+14155552671');
  });

  it('keeps chat ids as given and lower-cases the system of crm ids', () => {
    expect(identityOf('slack', 'T01/U02').value).toBe('T01/U02');
    expect(identityOf('crm', 'HubSpot:123').value).toBe('hubspot:123');
    expect(identityOf('legacy', 'osticket:user:45').value).toBe('osticket:user:45');
  });

  it('splits the written form at the first colon', () => {
    const key = parseIdentity('crm:hubspot:123');
    expect(key).toEqual({ kind: 'crm', value: 'hubspot:123' });
    expect(formatIdentity(key)).toBe('crm:hubspot:123');
  });

  it('refuses bad values with the field named', () => {
    const badEmail = failure(() => identityOf('email', 'not-an-address', 'from.value'));
    expect(badEmail.code).toBe('IDENTITY.INVALID_EMAIL');
    expect(badEmail.field).toBe('from.value');
    expect(failure(() => identityOf('fax', '123')).code).toBe('IDENTITY.UNKNOWN_KIND');
    expect(failure(() => identityOf('phone', '12')).code).toBe('IDENTITY.INVALID_PHONE');
    expect(failure(() => identityOf('slack', 'T01')).code).toBe('IDENTITY.INVALID_VALUE');
    expect(failure(() => identityOf('legacy', 'a:b')).code).toBe('IDENTITY.INVALID_VALUE');
    expect(failure(() => parseIdentity('nocolon')).code).toBe('IDENTITY.MALFORMED');
  });
});

describe('normalisation gaps', () => {
  it('writes internationalised email domains in punycode and keeps plus-addressing', () => {
    expect(identityOf('email', 'Ann+Orders@Bücher.DE').value).toBe('ann+orders@xn--bcher-kva.de');
    expect(identityOf('email', 'ann@xn--bcher-kva.de').value).toBe('ann@xn--bcher-kva.de');
    expect(identityOf('email', 'info@例え.テスト').value).toBe('info@xn--r8jz45g.xn--zckzah');
    expect(failure(() => identityOf('email', 'ann@exa mple.com')).code).toBe('IDENTITY.INVALID_EMAIL');
  });

  it('normalises national phone numbers with the default region, and names the rule when it cannot', () => {
    expect(identityOf('phone', '01632 960961', 'value', { defaultRegion: 'GB' }).value).toBe('+441632960961');
    expect(identityOf('phone', '(415) 555-2671', 'value', { defaultRegion: 'US' }).value).toBe('+14155552671');
    // International form wins over the region.
    expect(identityOf('phone', '+49 30 901820', 'value', { defaultRegion: 'GB' }).value).toBe('+4930901820');
    const national = failure(() => identityOf('phone', '01632 960961', 'from.value'));
    expect(national).toMatchObject({ code: 'IDENTITY.INVALID_PHONE', field: 'from.value' });
    expect(national.message).toContain('hub.identity.defaultRegion');
    expect(failure(() => identityOf('phone', '12', 'value', { defaultRegion: 'GB' })).message).toContain('national form in GB');
  });

  it('knows the region codes of the phone metadata', () => {
    expect(isPhoneRegion('GB')).toBe(true);
    expect(isPhoneRegion('gb')).toBe(false);
    expect(isPhoneRegion('XX')).toBe(false);
  });
});

describe('normalisation properties', () => {
  const kinds = fc.constantFrom(...IDENTITY_KINDS, 'fax', '');
  const regions = fc.constantFrom(undefined, 'GB', 'US', 'DE', 'IN');
  const emailish = fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.domain(), fc.constantFrom('', '+tag')).map(([local, domain, tag]) => `${local}${tag}@${domain}`);
  const phoneish = fc.tuple(fc.constantFrom('', '+', '+44 ', '0', '+1 ('), fc.stringMatching(/^[0-9 ()-]{0,18}$/)).map(([prefix, digits]) => prefix + digits);
  const values = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), emailish, phoneish, fc.webUrl());

  it('never throws on arbitrary strings: an invalid value is an error value', () => {
    fc.assert(
      fc.property(kinds, values, regions, (kind, value, defaultRegion) => {
        const result = tryIdentityOf(kind, value, 'value', { defaultRegion });
        if (!result.ok) expect(result.error.kind).toBe('invalid');
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent: a normalised value normalises to itself', () => {
    fc.assert(
      fc.property(kinds, values, regions, (kind, value, defaultRegion) => {
        const once = tryIdentityOf(kind, value, 'value', { defaultRegion });
        if (!once.ok) return;
        const twice = tryIdentityOf(once.key.kind, once.key.value, 'value', { defaultRegion });
        expect(twice).toEqual(once);
        // And the normal form does not depend on the region it was read with.
        expect(tryIdentityOf(once.key.kind, once.key.value)).toEqual(once);
      }),
      { numRuns: 500 },
    );
  });
});
