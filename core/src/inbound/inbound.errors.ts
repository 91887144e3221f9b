import { invalid } from '../shared/domain-error.js';

/** Why an inbound message is refused (422, naming the field); nothing is recorded. */
export const inboundErrors = {
  invalidChannel: () => invalid('INBOUND.INVALID_CHANNEL', 'channel is 1 to 64 of [a-z0-9._-], starting with a letter or digit', 'channel'),
  invalidExternalId: (max: number) => invalid('INBOUND.INVALID_EXTERNAL_ID', `externalId must be 1 to ${max} characters`, 'externalId'),
  empty: () => invalid('INBOUND.EMPTY', 'a message needs text or an attachment', 'text'),
  nulCharacter: (field: string) => invalid('INBOUND.NUL_CHARACTER', `${field} contains a NUL character`, field),
  tooManyThreadRefs: (max: number) => invalid('INBOUND.TOO_MANY_THREAD_REFS', `at most ${max} thread references`, 'threadRefs'),
  invalidThreadRef: (max: number, field: string) => invalid('INBOUND.INVALID_THREAD_REF', `a thread reference is 1 to ${max} characters`, field),
};
