import { DomainError, type CustomerLookup, type DeliveryFeedback, type DeskCommands, type DeskReads, type IngestPort, type PluginKind, type PluginKindContexts, type PluginState } from '@switchboard/core';
import type { OfferedPluginContext } from './plugin-loader.js';

/** The driving ports plugins are handed, by kind. */
export interface PluginPorts {
  ingest: IngestPort;
  deliveries: DeliveryFeedback;
  desk: DeskCommands;
  reads: DeskReads;
  customers: CustomerLookup;
  /** The durable state of one plugin instance. */
  stateFor(instanceId: string): PluginState;
}

const KIND_PARTS: { [Kind in PluginKind]: (ports: PluginPorts, instanceId: string) => PluginKindContexts[Kind] } = {
  channel: (ports) => ({ ingest: ports.ingest, deliveries: ports.deliveries }),
  desk: (ports, instanceId) => ({ desk: ports.desk, reads: ports.reads, state: ports.stateFor(instanceId) }),
  crm: (ports) => ({ customers: ports.customers }),
  legacy: (ports) => ({ ingest: ports.ingest }),
  blob: () => ({}),
  storage: () => ({}),
  queue: () => ({}),
};

/** The base context plus exactly what the declared kinds need. */
export const contextForKinds = (base: OfferedPluginContext, kinds: readonly PluginKind[], ports: PluginPorts): OfferedPluginContext =>
  kinds.reduce<OfferedPluginContext>((context, kind) => ({ ...context, ...KIND_PARTS[kind](ports, base.instanceId) }), base);

/**
 * Plugins are created before the use cases behind their ports exist (those need the store a
 * plugin provides). These ports forward once `bind` is called; before, a call fails 'the hub is
 * still starting'.
 */
export const latePluginPorts = (ingest: IngestPort) => {
  let bound: Omit<PluginPorts, 'ingest'> | null = null;
  const get = (): Omit<PluginPorts, 'ingest'> => {
    if (bound === null) throw new DomainError('unavailable', 'HUB.STARTING', 'the hub is still starting');
    return bound;
  };
  const ports: PluginPorts = {
    ingest,
    deliveries: { markFailed: async (ref, reason) => get().deliveries.markFailed(ref, reason) },
    desk: {
      accept: async (actor, offerId) => get().desk.accept(actor, offerId),
      decline: async (actor, offerId, reason) => get().desk.decline(actor, offerId, reason),
      reply: async (actor, conversationId, command) => get().desk.reply(actor, conversationId, command),
      note: async (actor, conversationId, command) => get().desk.note(actor, conversationId, command),
      resolve: async (actor, conversationId, agentId) => get().desk.resolve(actor, conversationId, agentId),
      reopen: async (actor, conversationId, agentId) => get().desk.reopen(actor, conversationId, agentId),
      transfer: async (actor, conversationId, target, agentId) => get().desk.transfer(actor, conversationId, target, agentId),
      setPresence: async (actor, agentId, presence) => get().desk.setPresence(actor, agentId, presence),
      lookUpCustomer: async (actor, identity) => get().desk.lookUpCustomer(actor, identity),
      listWork: async (actor, agentId) => get().desk.listWork(actor, agentId),
    },
    reads: {
      customer: async (id) => get().reads.customer(id),
      customersByIdentity: async (identity) => get().reads.customersByIdentity(identity),
      conversation: async (id) => get().reads.conversation(id),
      timeline: async (customerId, page) => get().reads.timeline(customerId, page),
      work: async (agentId) => get().reads.work(agentId),
      agent: async (id) => get().reads.agent(id),
      agentByDesk: async (desk, user) => get().reads.agentByDesk(desk, user),
      queueByName: async (name) => get().reads.queueByName(name),
    },
    customers: {
      customer: async (id) => get().customers.customer(id),
      customersByIdentity: async (identity) => get().customers.customersByIdentity(identity),
    },
    stateFor: (instanceId) => ({
      get: async (key) => get().stateFor(instanceId).get(key),
      set: async (key, value) => get().stateFor(instanceId).set(key, value),
      setIfAbsent: async (key, value) => get().stateFor(instanceId).setIfAbsent(key, value),
      delete: async (key) => get().stateFor(instanceId).delete(key),
      list: async (prefix) => get().stateFor(instanceId).list(prefix),
    }),
  };
  return {
    ports,
    bind: (targets: Omit<PluginPorts, 'ingest'>) => {
      bound = targets;
    },
  };
};
