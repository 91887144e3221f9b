import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanup, countRows, startFreshStack, waitFor, type HubStack, type TestDatabase } from '../../harness/index.js';
import { startDovecot, type DovecotServer } from '../../harness/dovecot-server.js';
import { trackFailures } from '../../harness/track-failures.js';
import { aMail } from '../../harness/email-hub.js';

// 200 mails arrive while a worker process reads the mailbox; it is killed with SIGKILL in the
// middle and another starts: exactly 200 interactions, every mail acknowledged.
const MAILS = 200;
const cleanup = new Cleanup();
const failures = trackFailures();
let dovecot: DovecotServer;
let db: TestDatabase;
let stack: HubStack;

beforeAll(async () => {
  dovecot = await startDovecot();
  cleanup.add('stop dovecot', () => dovecot.stop());
  ({ db, stack } = await startFreshStack(cleanup, {
    keepFiles: () => failures.failed,
    env: { IMAP_PASSWORD: 'supportpw' },
    config: {
      plugins: [
        {
          id: 'support-mail',
          use: '@switchboard/channel-email',
          config: {
            channel: 'email',
            address: 'support@acme.test',
            imap: { host: '127.0.0.1', port: dovecot.port, user: 'support', password: { env: 'IMAP_PASSWORD' }, pollSeconds: 1 },
            // Nothing is sent in this test.
            smtp: { host: '127.0.0.1', port: 9 },
          },
        },
      ],
    },
  }));
}, 240_000);

afterAll(async () => {
  await cleanup.run();
}, 120_000);

describe('email ingest when the worker is killed (PostgreSQL + Redis, hub processes)', () => {
  it(`records exactly ${MAILS} interactions after SIGKILL of the worker mid-ingest`, { timeout: 180_000 }, async () => {
    const body = 'A fairly long line of customer text to give the parser and the ledger something to do. '.repeat(100);
    let appended = 0;
    const appending = (async () => {
      for (let i = 0; i < MAILS; i++) {
        await dovecot.append('INBOX', [aMail(`crash-${i}`, { body })]);
        appended += 1;
      }
    })();
    await waitFor(async () => (await countRows(db.pool, 'interactions', "channel = 'email'")) >= 40, { timeoutMs: 90_000, description: 'the worker ingesting' });
    const atKill = await countRows(db.pool, 'interactions', "channel = 'email'");
    await stack.workers[0]!.kill();
    expect(atKill).toBeLessThan(MAILS);
    await stack.startWorker();
    await appending;
    expect(appended).toBe(MAILS);
    await waitFor(async () => (await countRows(db.pool, 'interactions', "channel = 'email'")) >= MAILS, { timeoutMs: 120_000, description: `${MAILS} interactions` });
    await waitFor(async () => (await dovecot.flags('INBOX')).every((f) => f.seen), { timeoutMs: 30_000, description: 'every mail acknowledged' });
    expect(await countRows(db.pool, 'interactions', "channel = 'email'")).toBe(MAILS);
    const distinct = await db.pool.query<{ n: string }>("SELECT count(DISTINCT external_id)::text AS n FROM interactions WHERE channel = 'email'");
    expect(Number(distinct.rows[0]?.n)).toBe(MAILS);
  });
});
