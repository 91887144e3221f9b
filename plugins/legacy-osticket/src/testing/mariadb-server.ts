import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';

/** How to reach a MariaDB server as an administrator (one who may create databases and users). */
export interface MariadbServer {
  host: string;
  port: number;
  /** Admin connection options for mysql2 (root over TCP, or over the throw-away server's socket). */
  admin: mysql.ConnectionOptions;
  /** `shared` for the machine's server on 3306, `throwaway` for one this process started. */
  kind: 'shared' | 'throwaway';
  /** Stops the server when this process started it; a no-op for the shared one. */
  stop(): Promise<void>;
}

/** A fresh database with its own user (and password) on a MariaDB server. */
export interface MariadbDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Drops the database and the user. */
  drop(): Promise<void>;
}

const ping = async (options: mysql.ConnectionOptions): Promise<boolean> => {
  try {
    const connection = await mysql.createConnection({ ...options, connectTimeout: 1_000 });
    await connection.query('SELECT 1');
    await connection.end();
    return true;
  } catch {
    return false;
  }
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });

const readLog = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
};

const run = (command: string, args: string[], logFile: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${String(code)}: ${readLog(logFile)}`))));
  });

/**
 * Starts a throw-away MariaDB: `mariadb-install-db` into a short temp dir (the socket path must
 * stay under 108 bytes), then `mariadbd` on a free loopback port as a direct child of this process,
 * so its exit is seen at once (no zombie that still answers `kill -0`). About a second.
 */
export const startThrowawayMariadb = async (): Promise<MariadbServer> => {
  const dir = mkdtempSync('/tmp/mdb.');
  const data = join(dir, 'data');
  const socketPath = join(dir, 's.sock');
  const errorLog = join(dir, 'error.log');
  const user = userInfo().username; // as root, mariadbd refuses to start without --user=root
  await run(
    'mariadb-install-db',
    ['--no-defaults', `--user=${user}`, `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', `--log-error=${errorLog}`],
    errorLog,
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--user=${user}`,
      `--datadir=${data}`,
      '--bind-address=127.0.0.1',
      `--port=${port}`,
      `--socket=${socketPath}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      `--log-error=${errorLog}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=64M',
      '--innodb-log-file-size=16M',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
    ],
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
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const admin: mysql.ConnectionOptions = { socketPath, user: 'root' };
  const deadline = Date.now() + 30_000;
  while (!(await ping(admin))) {
    if (exited || Date.now() > deadline) {
      const log = readLog(errorLog);
      await stop();
      throw new Error(`mariadbd did not start: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { host: '127.0.0.1', port, admin, kind: 'throwaway', stop };
};

/**
 * The MariaDB the tests use: the one in `TEST_MARIADB_URL` (`mysql://root@127.0.0.1:3306`), else
 * the machine's server on 127.0.0.1:3306 as root without a password when it answers (CI starts it
 * with tools/services/start-services.sh: no start-up cost per test file), else a throw-away server
 * started by this process. `TEST_MARIADB=throwaway` forces the latter.
 */
export const openTestMariadb = async (): Promise<MariadbServer> => {
  if (process.env['TEST_MARIADB'] === 'throwaway') return startThrowawayMariadb();
  const url = new URL(process.env['TEST_MARIADB_URL'] ?? 'mysql://root@127.0.0.1:3306');
  const admin: mysql.ConnectionOptions = {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
  };
  if (await ping(admin)) return { host: url.hostname, port: Number(url.port || 3306), admin, kind: 'shared', stop: () => Promise.resolve() };
  if (process.env['TEST_MARIADB_URL'] !== undefined) throw new Error(`TEST_MARIADB_URL does not answer: ${url.host}`);
  return startThrowawayMariadb();
};

/** A fresh database and a user with a random password that may use only it (over TCP from 127.0.0.1). */
export const createMariadbDatabase = async (server: MariadbServer): Promise<MariadbDatabase> => {
  const suffix = randomBytes(5).toString('hex');
  const database = `sb_legacy_${suffix}`;
  const user = `sb_${suffix}`;
  const password = randomBytes(12).toString('base64url');
  const admin = await mysql.createConnection(server.admin);
  try {
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.query(`CREATE USER ?@'127.0.0.1' IDENTIFIED BY ?`, [user, password]);
    await admin.query(`GRANT ALL ON \`${database}\`.* TO ?@'127.0.0.1'`, [user]);
  } finally {
    await admin.end();
  }
  let dropped = false;
  return {
    host: server.host,
    port: server.port,
    user,
    password,
    database,
    async drop() {
      if (dropped) return;
      dropped = true;
      const connection = await mysql.createConnection(server.admin);
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
        await connection.query(`DROP USER IF EXISTS ?@'127.0.0.1'`, [user]);
      } finally {
        await connection.end();
      }
    },
  };
};
