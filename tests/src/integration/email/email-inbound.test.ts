import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '@switchboard/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../../harness/dovecot-server.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';
import { createTestDatabase } from '../../harness/test-database.js';
import { aMail, mailboxSpec, startEmailHub, waitUntil } from '../../harness/email-hub.js';

// One Dovecot for the file; each scenario its own mailbox (or user folder) and its own hub database.
describe('email inbound against Dovecot', () => {
  let dovecot: DovecotServer;
  let sink: SmtpSink;
  beforeAll(async () => {
    [dovecot, sink] = await Promise.all([startDovecot(), startSmtpSink()]);
  });
  afterAll(async () => {
    await Promise.all([dovecot?.stop(), sink?.stop()]);
  });

  const createMailbox = async (name: string) => {
    const imap = await dovecot.client();
    await imap.mailboxCreate(name);
    await imap.logout();
  };

  it('takes mail while running, resumes by UID after an outage, and a full resync adds nothing', { timeout: 150_000 }, async () => {
    await createMailbox('Live');
    const database = await createTestDatabase();
    const spec = mailboxSpec(dovecot, sink, { id: 'live-mail', channel: 'email', mailbox: 'Live' });
    let hub = await startEmailHub({ database, mailboxes: [spec] });
    const dataDir = hub.dataDir;
    try {
      await dovecot.append('Live', Array.from({ length: 200 }, (_, i) => aMail(`live-${i}`)));
      await waitUntil(async () => (await hub.count("channel = 'email'")) >= 200, '200 interactions');
      await waitUntil(async () => (await dovecot.flags('Live')).every((f) => f.seen), 'every mail flagged \\Seen');
      // Outage: the hub is down while 300 more arrive; it resumes from the stored UID.
      await hub.stop(false);
      await dovecot.append('Live', Array.from({ length: 300 }, (_, i) => aMail(`outage-${i}`)));
      hub = await startEmailHub({ database, dataDir, mailboxes: [spec] });
      await waitUntil(async () => (await hub.count("channel = 'email'")) >= 500, '500 interactions');
      await waitUntil(async () => (await dovecot.flags('Live')).every((f) => f.seen), 'every mail flagged \\Seen');
      expect(await hub.count("channel = 'email'")).toBe(500);
      const cursor = await database.pool.query<{ value: { lastUid: number; uidValidity: string } }>("SELECT value FROM plugin_state WHERE instance_id = 'live-mail' AND key = 'cursor:Live'");
      expect(cursor.rows[0]?.value.lastUid).toBe(500);
      expect(cursor.rows[0]?.value.uidValidity).toBe(String((await dovecot.status('Live')).uidValidity));

      const resync = await hub.call('POST', '/v1/plugins/live-mail/resync', { from: 'start' });
      expect(resync.status).toBe(200);
      expect(resync.json).toMatchObject({ seen: 500, added: 0 });
      expect(await hub.count("channel = 'email'")).toBe(500);
      const since = await hub.call('POST', '/v1/plugins/live-mail/resync', { since: '2020-01-01T00:00:00Z' });
      expect(since.json).toMatchObject({ added: 0 });
      expect((await hub.call('POST', '/v1/plugins/store/resync', { from: 'start' })).status).toBe(409);
      expect((await hub.call('POST', '/v1/plugins/live-mail/resync', { from: 'yesterday' })).status).toBe(422);

      // The operator's CLI, on the same database beside the running hub.
      const configFile = join(hub.dataDir, 'cli.config.yaml');
      await writeFile(configFile, JSON.stringify({ plugins: [{ id: 'store', use: '@switchboard/storage-postgres', config: { url: { env: 'DATABASE_URL' } } }, { ...spec, resolveFrom: undefined, source: undefined, enabled: undefined }] }));
      let out = '';
      let err = '';
      const code = await runCli(['plugins', 'resync', 'live-mail', '--from-start', '--json'], {
        stdout: (t) => (out += t),
        stderr: (t) => (err += t),
        env: { ...process.env, DATABASE_URL: database.url, SWITCHBOARD_CONFIG: configFile, SWITCHBOARD_DATA_DIR: join(hub.dataDir, 'cli'), EMAIL_TEST_IMAP_PASSWORD: 'supportpw', EMAIL_TEST_SMTP_PASSWORD: 'smtppw' },
        cwd: process.cwd(),
      });
      expect(code, err).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ id: 'live-mail', seen: 500, added: 0 });
      expect(await hub.count("channel = 'email'")).toBe(500);
    } finally {
      await hub.stop(true);
    }
  });

  it('records 20 mails without Message-ID as 20, the same Message-ID once per instance, and survives a UIDVALIDITY change without duplicates', { timeout: 90_000 }, async () => {
    await Promise.all([createMailbox('NoIds'), createMailbox('Sales')]);
    const hub = await startEmailHub({
      mailboxes: [mailboxSpec(dovecot, sink, { id: 'noid-mail', channel: 'email', mailbox: 'NoIds' }), mailboxSpec(dovecot, sink, { id: 'sales-mail', channel: 'email-sales', mailbox: 'Sales' })],
    });
    try {
      await dovecot.append('NoIds', Array.from({ length: 20 }, (_, i) => aMail(`noid-${i}`, { messageId: null })));
      // The same ten mails reach both mailboxes.
      const shared = Array.from({ length: 10 }, (_, i) => aMail(`shared-${i}`));
      await dovecot.append('NoIds', shared);
      const old = Array.from({ length: 90 }, (_, i) => aMail(`sales-${i}`));
      await dovecot.append('Sales', [...shared, ...old]);
      await waitUntil(async () => (await hub.count("channel = 'email'")) >= 30 && (await hub.count("channel = 'email-sales'")) >= 100, 'both mailboxes read');
      expect(await hub.count("channel = 'email' AND external_id LIKE 'sha256:%'")).toBe(20);
      expect(await hub.count("channel = 'email'")).toBe(30);
      expect(await hub.count("channel = 'email-sales'")).toBe(100);

      // The mailbox is deleted and recreated (a new UIDVALIDITY) with the 100 old mails and 10 new ones.
      const before = await dovecot.status('Sales');
      await dovecot.recreateMailbox('Sales');
      await dovecot.append('Sales', [...shared, ...old, ...Array.from({ length: 10 }, (_, i) => aMail(`sales-new-${i}`))]);
      expect((await dovecot.status('Sales')).uidValidity).not.toBe(before.uidValidity);
      await waitUntil(async () => (await hub.count("channel = 'email-sales'")) >= 110, 'the 10 new mails');
      await waitUntil(async () => (await dovecot.flags('Sales')).every((f) => f.seen), 'the recreated mailbox acknowledged');
      expect(await hub.count("channel = 'email-sales'")).toBe(110);
      expect(await hub.count("channel = 'email'")).toBe(30);
    } finally {
      await hub.stop(true);
    }
  });
});
