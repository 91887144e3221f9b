import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapFlow } from 'imapflow';
import { freePort } from './free-port.js';
import { stopChild } from './redis-server.js';
import { waitFor } from './wait-for.js';

const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../tools/dovecot/start-dovecot.sh');

export interface DovecotUser {
  user: string;
  password: string;
}

export interface DovecotServer {
  host: '127.0.0.1';
  port: number;
  pid: number | undefined;
  users: readonly DovecotUser[];
  /** A logged-in imapflow client of `user` (the first user by default); the caller logs it out. */
  client(user?: string): Promise<ImapFlow>;
  /** IMAP APPEND of raw messages, in order, over one connection: the UIDs Dovecot gave them. */
  append(mailbox: string, raws: readonly (string | Buffer)[], options?: { user?: string; flags?: string[] }): Promise<number[]>;
  /** Deletes and recreates a mailbox: a new UIDVALIDITY, UIDs from 1 again. */
  recreateMailbox(mailbox: string, user?: string): Promise<void>;
  /** STATUS of a mailbox: message count and UIDVALIDITY. */
  status(mailbox: string, user?: string): Promise<{ messages: number; uidValidity: bigint }>;
  /** UIDs with `\Seen` and all UIDs, for checking what the channel acknowledged. */
  flags(mailbox: string, user?: string): Promise<{ uid: number; seen: boolean }[]>;
  stop(): Promise<void>;
}

const portAnswers = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });

/**
 * Starts Dovecot (Debian's `dovecot-imapd`) on a free loopback port in a short temp folder, through
 * `tools/dovecot/start-dovecot.sh`, which execs Dovecot: the server is a direct child of this
 * process, so stopping it is a SIGTERM and its exit is seen at once.
 */
export interface DovecotOptions {
  /** Also accept OAuth2 access tokens, checked by POSTing them to this RFC 7662 introspection URL. */
  oauth2?: { introspectionUrl: string; mechanisms?: 'xoauth2' | 'oauthbearer' | 'xoauth2 oauthbearer' };
}

export const startDovecot = async (users: readonly DovecotUser[] = [{ user: 'support', password: 'supportpw' }], options: DovecotOptions = {}): Promise<DovecotServer> => {
  const port = await freePort();
  // Short on purpose: Dovecot's sockets live under it (108-byte limit).
  const dir = mkdtempSync('/tmp/dc.');
  const oauth2 = options.oauth2 ? { OAUTH2_INTROSPECTION_URL: options.oauth2.introspectionUrl, OAUTH2_MECHANISMS: options.oauth2.mechanisms ?? 'xoauth2 oauthbearer' } : {};
  const child = spawn('bash', [SCRIPT, dir, String(port), ...users.map((u) => `${u.user}:${u.password}`)], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...oauth2 } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let exited = false;
  const exit = new Promise<void>((done) => {
    child.once('exit', () => {
      exited = true;
      done();
    });
    child.once('error', () => {
      exited = true;
      done();
    });
  });
  const stop = async () => {
    await stopChild(child, exit, () => exited);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`dovecot exited: ${stderr}${readLog(join(dir, 'dovecot.log'))}`);
        return portAnswers(port);
      },
      { timeoutMs: 20_000, intervalMs: 30, description: `dovecot on port ${port}` },
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const passwordOf = (user: string) => {
    const found = users.find((u) => u.user === user);
    if (!found) throw new Error(`no such dovecot user: ${user}`);
    return found.password;
  };
  const client = async (user = users[0]!.user) => {
    const imap = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: passwordOf(user) }, logger: false });
    await imap.connect();
    return imap;
  };
  const withClient = async <T>(user: string | undefined, fn: (imap: ImapFlow) => Promise<T>): Promise<T> => {
    const imap = await client(user);
    try {
      return await fn(imap);
    } catch (error) {
      // imapflow says 'Command failed'; the server's words are in responseText.
      const said = typeof error === 'object' && error !== null && 'responseText' in error ? String(error.responseText) : '';
      throw said ? new Error(`IMAP: ${said}`, { cause: error }) : error;
    } finally {
      await imap.logout().catch(() => imap.close());
    }
  };

  return {
    host: '127.0.0.1',
    port,
    pid: child.pid,
    users,
    client,
    append: async (mailbox, raws, options = {}) => {
      const uids: number[] = [];
      let imap = await client(options.user);
      try {
        for (const raw of raws) {
          for (let attempt = 1; ; attempt++) {
            try {
              const appended = await imap.append(mailbox, raw, options.flags ?? []);
              if (!appended || typeof appended.uid !== 'number') throw new Error(`APPEND to ${mailbox} gave no UID`);
              uids.push(appended.uid);
              break;
            } catch (error) {
              // Right after a mailbox is recreated Dovecot may refuse with 'Mailbox was deleted under
              // us' on a session that knew the old one; the message was not stored: a new session retries.
              const said = typeof error === 'object' && error !== null && 'responseText' in error ? String(error.responseText) : '';
              if (attempt >= 20 || !said.includes('deleted under us')) throw said ? new Error(`IMAP: ${said}`, { cause: error }) : error;
              await imap.logout().catch(() => imap.close());
              await new Promise((resolve) => setTimeout(resolve, 100));
              imap = await client(options.user);
            }
          }
        }
        return uids;
      } finally {
        await imap.logout().catch(() => imap.close());
      }
    },
    recreateMailbox: async (mailbox, user) => {
      // Dovecot may answer 'Mailbox was deleted under us' while another session has it selected: try again.
      for (let attempt = 1; ; attempt++) {
        try {
          await withClient(user, async (imap) => {
            const exists = (await imap.list()).some((entry) => entry.path === mailbox);
            if (exists) await imap.mailboxDelete(mailbox);
            await imap.mailboxCreate(mailbox);
          });
          return;
        } catch (error) {
          if (attempt >= 10) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    status: (mailbox, user) =>
      withClient(user, async (imap) => {
        const status = await imap.status(mailbox, { messages: true, uidValidity: true });
        if (!status || status.uidValidity === undefined) throw new Error(`no STATUS for ${mailbox}`);
        return { messages: status.messages ?? 0, uidValidity: status.uidValidity };
      }),
    flags: (mailbox, user) =>
      withClient(user, async (imap) => {
        const lock = await imap.getMailboxLock(mailbox);
        try {
          const found: { uid: number; seen: boolean }[] = [];
          const status = await imap.status(mailbox, { messages: true });
          if (!status || (status.messages ?? 0) === 0) return found;
          for await (const message of imap.fetch('1:*', { uid: true, flags: true })) {
            found.push({ uid: message.uid, seen: message.flags?.has('\\Seen') ?? false });
          }
          return found;
        } finally {
          lock.release();
        }
      }),
    stop,
  };
};

const readLog = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').slice(-2000);
  } catch {
    return '';
  }
};
