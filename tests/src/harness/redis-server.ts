import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

export interface RedisServer {
  url: string;
  port: number;
  pid: number | undefined;
  /** FLUSHALL: the queue loses every job, as after a Redis failover without persistence. */
  flushAll(): Promise<void>;
  /** KEYS pattern: what is in Redis right now (test data sets are small). */
  keys(pattern: string): Promise<string[]>;
  /** SIGTERM, then SIGKILL if it lingers; removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts a throw-away `redis-server` on a free loopback port as a child of this process, so a test
 * may flush or kill it without touching the shared Redis on 6379. No persistence.
 */
export const startRedisServer = async (): Promise<RedisServer> => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-redis-'));
  const logFile = join(dir, 'redis.log');
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', logFile],
    { stdio: 'ignore' },
  );
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
  client.on('error', () => undefined);

  const stop = async () => {
    client.disconnect();
    await stopChild(child, exit, () => exited);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`redis-server exited: ${readLog(logFile)}`);
        if (client.status === 'wait') await client.connect();
        return (await client.ping()) === 'PONG';
      },
      { timeoutMs: 20_000, intervalMs: 50, description: `redis-server on port ${port}` },
    );
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    port,
    pid: child.pid,
    async flushAll() {
      await client.flushall();
    },
    keys: (pattern) => client.keys(pattern),
    stop,
  };
};

const readLog = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
};

export const stopChild = async (child: ChildProcess, exit: Promise<void>, hasExited: () => boolean, graceMs = 10_000) => {
  if (hasExited()) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exit;
  clearTimeout(timer);
};
