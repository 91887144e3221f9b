// Test support for this plugin's own tests and for cross-package tests against a real PostgreSQL.
export { createTestDatabase, type TestDatabase } from './test-database.js';
export { resetDatabase } from './reset-database.js';
