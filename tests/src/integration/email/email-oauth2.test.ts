import { createServer, type Server } from 'node:http';
import type { PluginSpec } from '@switchboard/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../../harness/dovecot-server.js';
import { aMail, startEmailHub, waitUntil } from '../../harness/email-hub.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';

// OAuth2 access tokens instead of passwords, on both sides: Dovecot offers XOAUTH2 alone and checks
// each token at a loopback RFC 7662 introspection endpoint; the SMTP sink takes XOAUTH2 too.
const IMAP_TOKEN = 'ya29.imap-token-for-support-0123456789';
const SMTP_TOKEN = 'ya29.smtp-token-for-support-9876543210';
const WRONG_TOKEN = 'ya29.revoked-token-0000000000';

describe('email with OAuth2 access tokens (XOAUTH2) against Dovecot and an SMTP sink', () => {
  let introspection: Server;
  const introspected: string[] = [];
  let dovecot: DovecotServer;
  let sink: SmtpSink;

  beforeAll(async () => {
    introspection = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const token = new URLSearchParams(body).get('token') ?? '';
        introspected.push(token);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(token === IMAP_TOKEN ? { active: true, username: 'support' } : { active: false }));
      });
    });
    await new Promise<void>((done) => introspection.listen(0, '127.0.0.1', done));
    const address = introspection.address();
    if (address === null || typeof address === 'string') throw new Error('no introspection port');
    [dovecot, sink] = await Promise.all([
      startDovecot([{ user: 'support', password: 'supportpw' }], { oauth2: { introspectionUrl: `http://127.0.0.1:${address.port}/introspect`, mechanisms: 'xoauth2' } }),
      startSmtpSink({ user: 'support', password: 'unused-password', accessToken: SMTP_TOKEN }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([dovecot?.stop(), sink?.stop(), new Promise<void>((done) => (introspection ? introspection.close(() => done()) : done()))]);
  });

  const tokenSpec = (id: string, channel: string, mailbox: string, imapTokenEnv: string): PluginSpec => ({
    id,
    use: '@switchboard/channel-email',
    enabled: true,
    resolveFrom: process.cwd(),
    source: 'test',
    config: {
      channel,
      address: 'support@acme.test',
      imap: { host: '127.0.0.1', port: dovecot.port, user: 'support', accessToken: { env: imapTokenEnv }, mailbox, pollSeconds: 1, noopSeconds: 30 },
      smtp: { host: '127.0.0.1', port: sink.port, user: 'support', accessToken: { env: 'OAUTH_TEST_SMTP_TOKEN' } },
    },
  });

  it('reads the mailbox and sends replies with tokens; a refused token is a clear health error that never shows the token', { timeout: 90_000 }, async () => {
    const imap = await dovecot.client();
    await imap.mailboxCreate('Tokens');
    await imap.logout();
    const hub = await startEmailHub({
      mailboxes: [tokenSpec('token-mail', 'email', 'Tokens', 'OAUTH_TEST_IMAP_TOKEN'), tokenSpec('revoked-mail', 'email-revoked', 'INBOX', 'OAUTH_TEST_WRONG_TOKEN')],
      env: { OAUTH_TEST_IMAP_TOKEN: IMAP_TOKEN, OAUTH_TEST_SMTP_TOKEN: SMTP_TOKEN, OAUTH_TEST_WRONG_TOKEN: WRONG_TOKEN },
    });
    try {
      await dovecot.append('Tokens', [aMail('oauth-1'), aMail('oauth-2'), aMail('oauth-3')]);
      await waitUntil(async () => (await hub.count("channel = 'email'")) === 3, 'three mails read with the token');
      await waitUntil(async () => (await dovecot.flags('Tokens')).every((f) => f.seen), 'the three flagged \\Seen');
      expect(introspected).toContain(IMAP_TOKEN);

      const agent = await hub.call('POST', '/v1/agents', { name: 'Ada' });
      const row = await hub.database.pool.query<{ conversation_id: string }>("SELECT conversation_id FROM interactions WHERE external_id = '<m-oauth-1@customer.example.com>'");
      const sent = await hub.call('POST', `/v1/conversations/${row.rows[0]!.conversation_id}/replies`, { agentId: agent.json['id'], text: 'Signed in with a token.' });
      expect(sent.status).toBe(201);
      await waitUntil(async () => sink.mails.some((m) => m.parsed.messageId === sent.json['externalId']), 'the reply at the SMTP sink');
      expect(sink.logins).toContainEqual({ method: 'XOAUTH2', user: 'support' });
      expect(sink.logins.every((l) => l.method === 'XOAUTH2')).toBe(true);

      const good = await hub.call('POST', '/v1/plugins/token-mail/test');
      expect(good).toMatchObject({ status: 200, json: { ok: true } });
      const refused = await hub.call('POST', '/v1/plugins/revoked-mail/test');
      expect(refused).toMatchObject({ status: 200, json: { ok: false } });
      expect(String(refused.json['detail'])).toMatch(/IMAP 127\.0\.0\.1:\d+: .*auth/i);
      await waitUntil(async () => {
        const plugins = (await hub.call('GET', '/v1/plugins')).json.items ?? [];
        return plugins.some((p) => p['id'] === 'revoked-mail' && (p['health'] as { status?: string } | undefined)?.status !== 'up');
      }, 'the revoked instance reported unhealthy');
      const everything = JSON.stringify([refused.json, (await hub.call('GET', '/v1/plugins')).json]);
      for (const token of [IMAP_TOKEN, SMTP_TOKEN, WRONG_TOKEN]) expect(everything).not.toContain(token);
      // The refused instance read nothing, and the good one's three mails are all there is.
      expect(await hub.count()).toBe(4);
      expect(await hub.count("channel = 'email-revoked'")).toBe(0);
    } finally {
      await hub.stop(true);
    }
  });
});
