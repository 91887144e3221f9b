import { DomainError, type BlobStore, type CustomerLookup, type DeliveryFeedback, type DeskCommands, type DeskReads, type IngestPort, type PluginKind, type PluginKindContexts, type PluginState } from '@switchboard/core';
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
  /** The hub's blob store, for attachments (absent when no plugin provides one). */
  blobs?: BlobStore | undefined;
}

const KIND_PARTS: { [Kind in PluginKind]: (ports: PluginPorts, instanceId: string) => PluginKindContexts[Kind] } = {
  channel: (ports, instanceId) => ({ ingest: ports.ingest, deliveries: ports.deliveries, state: ports.stateFor(instanceId), blobs: lateBlobs(ports) }),
  desk: (ports, instanceId) => ({ desk: ports.desk, reads: ports.reads, state: ports.stateFor(instanceId) }),
  crm: (ports) => ({ customers: ports.customers }),
  legacy: (ports) => ({ ingest: ports.ingest }),
  blob: () => ({}),
  storage: () => ({}),
  queue: () => ({}),
};

/** The blob store behind late ports: each call asks for the store bound by then. */
const lateBlobs = (ports: PluginPorts): BlobStore => {
  const store = (): BlobStore => {
    if (ports.blobs === undefined) throw new DomainError('unavailable', 'HUB.NO_BLOB_STORE', 'no enabled plugin provides a blob store');
    return ports.blobs;
  };
  return {
    get maxBytes() {
      return ports.blobs?.maxBytes ?? 0;
    },
    put: async (content, options) => store().put(content, options),
    get: async (ref) => store().get(ref),
    has: async (ref) => store().has(ref),
    delete: async (ref) => store().delete(ref),
  };
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
      agentByDesk: async (binding, userId) => get().reads.agentByDesk(binding, userId),
      queueByName: async (name) => get().reads.queueByName(name),
      agents: async () => get().reads.agents(),
      queues: async () => get().reads.queues(),
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
      prune: async (prefix, before) => get().stateFor(instanceId).prune(prefix, before),
    }),
    get blobs() {
      return bound?.blobs;
    },
  };
  return {
    ports,
    bind: (targets: Omit<PluginPorts, 'ingest'>) => {
      bound = targets;
    },
  };
};

/**
 * Desk commands as plugins get them: after a command commits, its outbox events are relayed at
 * once (as after an API write), so a reply typed in Slack is delivered without waiting for a sweep.
 */
export const relayingDeskCommands = (commands: DeskCommands, afterWrite: () => void): DeskCommands => {
  const relayed =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await call(...args);
      afterWrite();
      return result;
    };
  return {
    accept: relayed((actor, offerId) => commands.accept(actor, offerId)),
    decline: relayed((actor, offerId, reason) => commands.decline(actor, offerId, reason)),
    reply: relayed((actor, conversationId, command) => commands.reply(actor, conversationId, command)),
    note: relayed((actor, conversationId, command) => commands.note(actor, conversationId, command)),
    resolve: relayed((actor, conversationId, agentId) => commands.resolve(actor, conversationId, agentId)),
    reopen: relayed((actor, conversationId, agentId) => commands.reopen(actor, conversationId, agentId)),
    transfer: relayed((actor, conversationId, target, agentId) => commands.transfer(actor, conversationId, target, agentId)),
    setPresence: relayed((actor, agentId, presence) => commands.setPresence(actor, agentId, presence)),
    lookUpCustomer: (actor, identity) => commands.lookUpCustomer(actor, identity),
    listWork: (actor, agentId) => commands.listWork(actor, agentId),
  };
};
