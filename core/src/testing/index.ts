// Test support for adapters and use cases: port contract suites and object mothers.
export * from './store.contract.js';
export * from './job-queue.contract.js';
export * from './channel.contract.js';
export * from './mothers.js';
