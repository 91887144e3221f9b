import { conflict, forbidden, invalid, notFound } from '../shared/domain-error.js';

/** Routing's errors: queues, agents and offers. */
export const routingErrors = {
  queueNotFound: (id: string) => notFound('QUEUE.NOT_FOUND', `queue ${id} does not exist`),
  queueNameTaken: (name: string) => conflict('QUEUE.NAME_TAKEN', `a queue named '${name}' exists`),
  unknownOverflowQueue: (id: string) => invalid('QUEUE.UNKNOWN_OVERFLOW', `overflow queue ${id} does not exist`, 'overflow.queueId'),
  defaultQueueKept: () => conflict('QUEUE.DEFAULT', 'the default queue cannot be deleted'),
  queueNotEmpty: (name: string, items: number) => conflict('QUEUE.NOT_EMPTY', `queue ${name} still has ${items} item(s)`),
  noDefaultQueue: (name: string) => notFound('ROUTING.NO_DEFAULT_QUEUE', `no queue named '${name}' exists`),
  invalidSkillLevel: (skill: string, field: string) => invalid('ROUTING.INVALID_SKILL_LEVEL', `skill '${skill}' needs a level from 1 to 5`, field),
  invalidQueueField: (field: string, message: string) => invalid('QUEUE.INVALID', message, field),
  agentNotFound: (id: string) => notFound('AGENT.NOT_FOUND', `agent ${id} does not exist`),
  offerNotFound: (id: string) => notFound('OFFER.NOT_FOUND', `offer ${id} does not exist`),
  offerExpired: (id: string) => conflict('OFFER.EXPIRED', `offer ${id} has expired`),
  offerNotYours: (id: string) => forbidden('OFFER.NOT_YOURS', `offer ${id} was made to another agent`),
  ruleNotFound: (id: string) => notFound('ROUTING_RULE.NOT_FOUND', `routing rule ${id} does not exist`),
  invalidRule: (field: string, message: string) => invalid('ROUTING_RULE.INVALID', `${field}: ${message}`, field),
  unknownRuleQueue: (ref: string, field: string) => invalid('ROUTING_RULE.UNKNOWN_QUEUE', `no queue has the id or name '${ref}'`, field),
  tooManyRules: (max: number) => conflict('ROUTING_RULE.TOO_MANY', `at most ${max} routing rules may exist`),
  queueInUse: (name: string, by: string) => conflict('QUEUE.IN_USE', `queue ${name} is still named by ${by}`),
  offerAnswered: (id: string, status: string) => conflict('OFFER.ANSWERED', `offer ${id} is already ${status}`),
};
