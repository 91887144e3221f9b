/**
 * Advisory lock keys. Within one transaction they are taken in this order (each class sorted), so
 * two transactions never wait on each other in a cycle: identity, inbound receipt rows, customer,
 * routing rules, queue, conversation, agent, delivery.
 */
export const lockKeys = {
  identity: (kind: string, value: string) => `identity:${kind}:${value}`,
  customer: (id: string) => `customer:${id}`,
  /** Every change to the routing rules (their order spans all of them). */
  routingRules: () => 'routing-rules',
  queue: (id: string) => `queue:${id}`,
  queueName: (name: string) => `queue-name:${name}`,
  conversation: (id: string) => `conversation:${id}`,
  agent: (id: string) => `agent:${id}`,
  delivery: (id: string) => `delivery:${id}`,
  /** A webhook subscription's row: its cursor, lease and failure count (taken alone). */
  webhook: (id: string) => `webhook:${id}`,
  /** Taken last, by the relay only: appends to the event log commit in order. */
  eventLog: () => 'event-log',
};
