import type { Cleanup } from './cleanup.js';
import { HubStack, type HubStackOptions } from './hub-stack.js';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface FreshStack {
  db: TestDatabase;
  redis: RedisServer;
  stack: HubStack;
}

/**
 * A fresh PostgreSQL database, a throw-away redis-server and a hub stack on them, each torn down
 * by `cleanup` (the hub's output files are kept while `keepFiles()` says so, e.g. after a failure).
 */
export const startFreshStack = async (
  cleanup: Cleanup,
  options: Omit<HubStackOptions, 'databaseUrl' | 'redisUrl'> & { keepFiles(): boolean },
): Promise<FreshStack> => {
  const { keepFiles, ...stackOptions } = options;
  const db = await createTestDatabase();
  cleanup.add('drop database', () => db.drop());
  const redis = await startRedisServer();
  cleanup.add('stop redis-server', () => redis.stop());
  const stack = await HubStack.start({ ...stackOptions, databaseUrl: db.url, redisUrl: redis.url });
  // Registered first, so it runs after the processes stopped.
  cleanup.add('remove hub files', () => keepFiles() || stack.removeFiles());
  cleanup.add('stop hub processes', () => stack.stop());
  return { db, redis, stack };
};
