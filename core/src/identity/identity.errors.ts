import { conflict, invalid, notFound } from '../shared/domain-error.js';

/** The identity area's errors: every code it answers with, in one place. */
export const identityErrors = {
  customerNotFound: (id: string) => notFound('CUSTOMER.NOT_FOUND', `customer ${id} does not exist`),
  customerMerged: (id: string, into: string) => conflict('CUSTOMER.MERGED', `customer ${id} is merged into ${into}; act on ${into}`),
  tooManyAttributes: (count: number, max: number) =>
    invalid('CUSTOMER.TOO_MANY_ATTRIBUTES', `a customer holds at most ${max} attributes; this change would leave ${count} (remove keys with null)`, 'attributes'),
  identityTaken: (identity: string, owner: string) =>
    conflict('IDENTITY.TAKEN', `${identity} belongs to customer ${owner}; merge the two customers instead of linking it`),
  identityNotLinked: (identity: string, customerId: string) => notFound('IDENTITY.NOT_LINKED', `${identity} is not an identity of customer ${customerId}`),
  mergeSelf: () => invalid('MERGE.SAME_CUSTOMER', 'a customer cannot be merged into itself', 'from'),
  notMerged: (survivorId: string, mergedId: string) => notFound('MERGE.NOT_FOUND', `customer ${mergedId} is not merged into ${survivorId}`),
  suggestionNotFound: (id: string) => notFound('MERGE_SUGGESTION.NOT_FOUND', `merge suggestion ${id} does not exist`),
  suggestionDecided: (id: string, status: string) => conflict('MERGE_SUGGESTION.DECIDED', `merge suggestion ${id} is already ${status}`),
  malformed: (field: string) => invalid('IDENTITY.MALFORMED', 'write an identity as kind:value, e.g. email:ann@example.com', field),
  unknownKind: (kind: string, kinds: readonly string[], field: string) => invalid('IDENTITY.UNKNOWN_KIND', `unknown identity kind '${kind}'; use one of ${kinds.join(', ')}`, field),
  invalidValue: (rule: string, field: string) => invalid('IDENTITY.INVALID_VALUE', rule, field),
  invalidEmail: (raw: string, field: string) =>
    invalid('IDENTITY.INVALID_EMAIL', `'${raw}' is not a valid email address (rule: local@domain, the domain a valid DNS or internationalised name)`, field),
  invalidPhone: (raw: string, field: string, region: string | null) =>
    invalid(
      'IDENTITY.INVALID_PHONE',
      region === null
        ? `'${raw}' is not a possible phone number (rule: international form +CC…, or set hub.identity.defaultRegion for national numbers)`
        : `'${raw}' is not a possible phone number (rule: international form +CC…, or national form in ${region})`,
      field,
    ),
};
