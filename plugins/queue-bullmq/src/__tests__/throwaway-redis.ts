import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A private redis-server on a free loopback port, for tests that wipe or kill it. */
export interface ThrowawayRedis {
  url: string;
  /** A client for the test itself (FLUSHALL, inspection). */
  admin: Redis;
  kill(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

export const startThrowawayRedis = async (password: string): Promise<ThrowawayRedis> => {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', password], {
    stdio: 'ignore',
  });
  const url = `redis://:${password}@127.0.0.1:${port}`;
  const admin = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
  admin.on('error', () => {}); // refused until the server listens, and again once it is killed
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} did not start`)), 20_000);
    admin.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  try {
    await ready;
  } catch (error) {
    child.kill('SIGKILL');
    admin.disconnect();
    throw error;
  }
  let killed: Promise<void> | undefined;
  return {
    url,
    admin,
    kill: () => {
      killed ??= (async () => {
        admin.disconnect();
        child.kill('SIGKILL');
        await exited(child);
      })();
      return killed;
    },
  };
};
