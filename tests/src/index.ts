// The end-to-end harness, also used by the benchmark (tools/bench).
export * from './harness/index.js';
