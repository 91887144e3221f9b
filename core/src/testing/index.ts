// Test support for adapters and use cases: port contract suites, object mothers, in-memory adapters.
export * from './store.contract.js';
export * from './sla-store.contract.js';
export * from './event-log.contract.js';
export * from './job-queue.contract.js';
export * from './channel.contract.js';
export * from './mothers.js';
export * from './in-memory-store.js';
export * from './contract-check.js';
export * from './blob-store.contract.js';
export * from './legacy-source.contract.js';
export * from './crm.contract.js';
export * from './agent-desk.contract.js';
export * from './webhook-store.contract.js';
export * from './routing-rules-store.contract.js';
export * from './migration-store.contract.js';
export * from './portability.contract.js';
