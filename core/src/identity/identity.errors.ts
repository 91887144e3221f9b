import { invalid, notFound } from '../shared/domain-error.js';

/** The identity area's errors: every code it answers with, in one place. */
export const identityErrors = {
  customerNotFound: (id: string) => notFound('CUSTOMER.NOT_FOUND', `customer ${id} does not exist`),
  malformed: (field: string) => invalid('IDENTITY.MALFORMED', 'write an identity as kind:value, e.g. email:ann@example.com', field),
  unknownKind: (kind: string, kinds: readonly string[], field: string) => invalid('IDENTITY.UNKNOWN_KIND', `unknown identity kind '${kind}'; use one of ${kinds.join(', ')}`, field),
  invalidValue: (rule: string, field: string) => invalid('IDENTITY.INVALID_VALUE', rule, field),
  invalidEmail: (raw: string, field: string) => invalid('IDENTITY.INVALID_EMAIL', `'${raw}' is not a valid email address`, field),
  invalidPhone: (raw: string, field: string) => invalid('IDENTITY.INVALID_PHONE', `'${raw}' is not a valid phone number in international form (+CC…)`, field),
};
