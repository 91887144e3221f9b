// Test support for adapters and use cases: port contract suites, object mothers, in-memory adapters.
export * from './store.contract.js';
export * from './job-queue.contract.js';
export * from './channel.contract.js';
export * from './mothers.js';
export * from './in-memory-store.js';
