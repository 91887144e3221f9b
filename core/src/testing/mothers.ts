// Object mothers: valid entities with sensible defaults; a test overrides only what it is about.
import type { ApiKey } from '../access/api-key.entity.js';
import type { Customer, Identity } from '../identity/customer.entity.js';
import type { Conversation } from '../ledger/conversation.entity.js';
import { contentHashOf, digestOf } from '../ledger/hash-chain.js';
import type { InboundMessage } from '../inbound/ports/ingest.port.js';
import type { Delivery } from '../delivery/delivery.entity.js';
import type { Interaction } from '../ledger/interaction.entity.js';
import type { Agent } from '../routing/agent.entity.js';
import type { Assignment, Offer, RoutingDecision } from '../routing/offer.entity.js';
import type { Queue } from '../routing/queue.entity.js';
import type { WorkItem } from '../routing/work-item.entity.js';
import { newId } from '../shared/ids.js';

/** A short unique token for names and addresses that must not collide between tests. */
export const uniqueToken = (): string => newId().slice(0, 8);

/** `base` moved by `seconds` (negative for earlier): keeps test timelines readable. */
export const secondsAfter = (base: Date, seconds: number): Date => new Date(base.getTime() + seconds * 1000);

export const aCustomer = (overrides: Partial<Customer> = {}): Customer => {
  const now = new Date();
  return {
    id: newId(),
    displayName: 'Ann Example',
    attributes: { tier: 'gold', tags: ['vip'], address: { city: 'Leeds' } },
    mergedInto: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
};

export const anIdentity = (overrides: Partial<Identity> = {}): Identity => ({
  kind: 'email',
  value: `ann.${uniqueToken()}@example.com`,
  customerId: newId(),
  verified: false,
  createdAt: new Date(),
  ...overrides,
});

export const aConversation = (overrides: Partial<Conversation> = {}): Conversation => {
  const now = new Date();
  return {
    id: newId(),
    customerId: newId(),
    status: 'open',
    queueId: null,
    priority: 0,
    channels: ['email'],
    hops: 0,
    handoffs: 0,
    assignment: null,
    lastInboundChannel: 'email',
    lastInboundAt: now,
    firstResponseAt: null,
    resolvedAt: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
};

/**
 * A ledger entry chained to `previous` (or the first of a new conversation). `contentHash` and
 * `digest` are computed from the final fields unless overridden, so entries verify.
 */
export const anInteraction = (overrides: Partial<Interaction> = {}, previous: Interaction | null = null): Interaction => {
  const now = new Date();
  const id = overrides.id ?? newId();
  const entry: Omit<Interaction, 'contentHash' | 'prevDigest' | 'digest' | 'erasedAt'> = {
    id,
    conversationId: previous?.conversationId ?? newId(),
    customerId: previous?.customerId ?? newId(),
    seq: previous === null ? 1 : previous.seq + 1,
    channel: 'email',
    direction: 'inbound',
    type: 'message',
    externalId: `<${id}@mail.example.com>`,
    threadRef: null,
    subject: 'Where is my order?',
    text: 'Hello, my order has not arrived.',
    html: null,
    attachments: [],
    party: { kind: 'email', value: 'ann@example.com', name: 'Ann Example' },
    agentId: null,
    data: {},
    sourcePlugin: 'test-mail',
    occurredAt: now,
    recordedAt: now,
    ...overrides,
  };
  const prevDigest = overrides.prevDigest !== undefined ? overrides.prevDigest : (previous?.digest ?? null);
  const contentHash = overrides.contentHash ?? contentHashOf(entry);
  return { ...entry, contentHash, prevDigest, digest: overrides.digest ?? digestOf(entry, contentHash, prevDigest), erasedAt: overrides.erasedAt ?? null };
};

/** `count` chained entries of one conversation; `overrides(i)` shapes entry i (0-based). */
export const aChain = (count: number, overrides: (index: number) => Partial<Interaction> = () => ({})): Interaction[] => {
  const chain: Interaction[] = [];
  for (let i = 0; i < count; i += 1) chain.push(anInteraction(overrides(i), chain.at(-1) ?? null));
  return chain;
};

export const aDelivery = (overrides: Partial<Delivery> = {}): Delivery => ({
  interactionId: newId(),
  channel: 'email',
  status: 'pending',
  attempts: 0,
  nextAttemptAt: null,
  leaseUntil: null,
  reason: null,
  providerMessageId: null,
  updatedAt: new Date(),
  ...overrides,
});

export const aQueue = (overrides: Partial<Queue> = {}): Queue => {
  const now = new Date();
  return {
    id: newId(),
    name: `support-${uniqueToken()}`,
    skills: { english: 2 },
    optionalSkills: {},
    relaxation: null,
    strategy: 'longest-idle',
    sticky: null,
    cost: { email: 10, chat: 25, default: 10 },
    offerTimeoutSeconds: 30,
    sla: { firstResponseSeconds: 3600 },
    overflow: null,
    aging: null,
    businessHours: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
};

export const anAgent = (overrides: Partial<Agent> = {}): Agent => {
  const now = new Date();
  return {
    id: newId(),
    name: `Agent ${uniqueToken()}`,
    email: null,
    skills: { english: 3 },
    capacity: { units: 100, perChannel: {} },
    presence: 'available',
    presenceSince: now,
    desk: {},
    lastOfferAt: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
};

export const aWorkItem = (overrides: Partial<WorkItem> = {}): WorkItem => {
  const now = new Date();
  return {
    conversationId: newId(),
    queueId: newId(),
    priority: 0,
    channel: 'email',
    skills: { english: 2 },
    optionalSkills: {},
    relaxationStep: 0,
    cost: 10,
    state: 'waiting',
    enqueuedAt: now,
    excludedAgents: [],
    declinedAt: null,
    reasons: [],
    updatedAt: now,
    ...overrides,
  };
};

export const anOffer = (overrides: Partial<Offer> = {}): Offer => {
  const now = new Date();
  return {
    id: newId(),
    conversationId: newId(),
    agentId: newId(),
    queueId: newId(),
    channel: 'email',
    cost: 10,
    status: 'pending',
    createdAt: now,
    expiresAt: new Date(now.getTime() + 30_000),
    answeredAt: null,
    reason: null,
    ...overrides,
  };
};

export const anAssignment = (overrides: Partial<Assignment> = {}): Assignment => ({
  id: newId(),
  conversationId: newId(),
  agentId: newId(),
  queueId: newId(),
  channel: 'email',
  cost: 10,
  startedAt: new Date(),
  endedAt: null,
  ...overrides,
});

export const aRoutingDecision = (overrides: Partial<RoutingDecision> = {}): RoutingDecision => ({
  rule: null,
  candidates: null,
  id: newId(),
  conversationId: newId(),
  queueId: newId(),
  at: new Date(),
  outcome: 'queued',
  agentId: null,
  detail: 'waiting for an agent with english ≥ 2',
  ...overrides,
});

export const anApiKey = (overrides: Partial<ApiKey> = {}): ApiKey => {
  const token = uniqueToken();
  return {
    id: newId(),
    name: `key ${token}`,
    prefix: `sb_${token.slice(0, 5)}`,
    hash: `${token}${'0'.repeat(56)}`,
    scopes: ['read'],
    agentId: null,
    createdAt: new Date(),
    revokedAt: null,
    ...overrides,
  };
};

export const anInboundMessage = (overrides: Partial<InboundMessage> = {}): InboundMessage => ({
  channel: 'email',
  externalId: `<${newId()}@mail.example.com>`,
  from: { kind: 'email', value: 'ann@example.com', name: 'Ann Example' },
  subject: 'Where is my order?',
  text: 'Hello, my order has not arrived.',
  ...overrides,
});

/** A clock that stands still until a test moves it. */
export const aClock = (start: Date = new Date('2026-06-01T09:00:00.000Z')) => {
  let current = start.getTime();
  return {
    now: (): Date => new Date(current),
    advance(seconds: number): void {
      current += seconds * 1000;
    },
  };
};
