import {
  DomainError,
  storePluginState,
  type BlobStore,
  type Clock,
  type CustomerLookup,
  type DeliveryFeedback,
  type DeskCommands,
  type DeskReads,
  type IngestPort,
  type PluginKind,
  type PluginKindContexts,
  type PluginState,
  type Store,
} from '@switchboard/core';
import type { OfferedPluginContext } from './plugin-loader.js';

/** The driving ports plugins are handed, by kind. */
export interface PluginPorts {
  ingest: IngestPort;
  deliveries: DeliveryFeedback;
  desk: DeskCommands;
  reads: DeskReads;
  customers: CustomerLookup;
  blobs: BlobStore;
}

const KIND_PARTS: { [Kind in PluginKind]: (ports: PluginPorts) => PluginKindContexts[Kind] } = {
  channel: (ports) => ({ ingest: ports.ingest, deliveries: ports.deliveries, blobs: ports.blobs }),
  desk: (ports) => ({ desk: ports.desk, reads: ports.reads }),
  crm: (ports) => ({ customers: ports.customers }),
  legacy: (ports) => ({ ingest: ports.ingest }),
  blob: () => ({}),
  storage: () => ({}),
  queue: () => ({}),
};

/** The base context plus exactly what the declared kinds need. */
export const contextForKinds = (base: OfferedPluginContext, kinds: readonly PluginKind[], ports: PluginPorts): OfferedPluginContext =>
  kinds.reduce<OfferedPluginContext>((context, kind) => ({ ...context, ...KIND_PARTS[kind](ports) }), base);

/**
 * Plugins are created before the use cases behind their ports exist (those need the store a
 * plugin provides). These ports forward once `bind` is called; before, a call fails 'the hub is
 * still starting'.
 */
type BoundPorts = Omit<PluginPorts, 'ingest' | 'blobs'> & { blobs?: BlobStore | undefined };

export const latePluginPorts = (ingest: IngestPort) => {
  let bound: BoundPorts | null = null;
  let storage: { store: Store; clock: Clock } | null = null;
  const get = (): BoundPorts => {
    if (bound === null) throw new DomainError('unavailable', 'HUB.STARTING', 'the hub is still starting');
    return bound;
  };
  const blobStore = (): BlobStore => {
    const blobs = get().blobs;
    if (blobs === undefined) throw new DomainError('unavailable', 'HUB.NO_BLOB_STORE', 'no enabled plugin provides a blob store');
    return blobs;
  };
  const states = new Map<string, PluginState>();
  const stateOf = (instanceId: string): PluginState => {
    if (storage === null) throw new DomainError('unavailable', 'HUB.STARTING', 'the hub is still starting');
    let state = states.get(instanceId);
    if (!state) {
      state = storePluginState(storage.store, storage.clock, instanceId);
      states.set(instanceId, state);
    }
    return state;
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
    },
    customers: {
      customer: async (id) => get().customers.customer(id),
      customersByIdentity: async (identity) => get().customers.customersByIdentity(identity),
    },
    blobs: {
      get maxBytes() {
        return bound?.blobs?.maxBytes ?? 0;
      },
      put: async (content, options) => blobStore().put(content, options),
      get: async (ref) => blobStore().get(ref),
      has: async (ref) => blobStore().has(ref),
      delete: async (ref) => blobStore().delete(ref),
    },
  };
  return {
    ports,
    /** The instance's key/value state in the hub's store, usable once the store is bound. */
    stateFor: (instanceId: string): PluginState => ({
      get: async (key) => stateOf(instanceId).get(key),
      set: async (key, value) => stateOf(instanceId).set(key, value),
      entries: async () => stateOf(instanceId).entries(),
    }),
    bindStore: (store: Store, clock: Clock) => {
      storage = { store, clock };
    },
    bind: (targets: BoundPorts) => {
      bound = targets;
    },
  };
};
