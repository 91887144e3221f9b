import { describe, expect, it } from 'vitest';
import { DomainError } from '../../shared/domain-error.js';
import { formatIdentity, identityOf, parseIdentity } from '../identity.value-object.js';

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
