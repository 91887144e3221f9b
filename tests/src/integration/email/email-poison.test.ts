import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../../harness/dovecot-server.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';
import { aMail, mailboxSpec, startEmailHub, waitUntil } from '../../harness/email-hub.js';
import { hugeMail, malformedCorpus } from './fixtures/malformed-corpus.js';

describe('poison mail never blocks a mailbox', () => {
  let dovecot: DovecotServer;
  let sink: SmtpSink;
  beforeAll(async () => {
    [dovecot, sink] = await Promise.all([startDovecot(), startSmtpSink()]);
  });
  afterAll(async () => {
    await Promise.all([dovecot?.stop(), sink?.stop()]);
  });

  it('records or parks each of the malformed corpus, a 60 MB mail included, and the next mail still flows', { timeout: 120_000 }, async () => {
    const corpus = malformedCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    const hub = await startEmailHub({ mailboxes: [mailboxSpec(dovecot, sink, { id: 'poison-mail', channel: 'email', pollSeconds: 1 })] });
    try {
      let accepted = 0;
      for (const fixture of corpus) {
        await dovecot.append('INBOX', [fixture.raw]);
        accepted += 1;
      }
      // A 60 MB mail, over the 25 MB default: recorded with the reason, never downloaded.
      await dovecot.append('INBOX', [hugeMail('huge', 60 * 1024 * 1024)]);
      accepted += 1;
      // Dovecot refuses a 0-byte APPEND; the parser's own test covers an empty source.
      await expect(dovecot.append('INBOX', [Buffer.alloc(0)])).rejects.toThrow();
      await dovecot.append('INBOX', [aMail('after-poison')]);

      await waitUntil(async () => (await hub.count("external_id = '<m-after-poison@customer.example.com>'")) === 1, 'the mail after the corpus', 60_000);
      // Mails of one pass commit independently (a slow one, 70 attachments, may finish after the
      // mail behind it): wait until the pass has settled every mail, then check none was lost.
      const settled = async () => {
        const plugins = await hub.call('GET', '/v1/plugins');
        const health = plugins.json.items?.find((p) => p['id'] === 'poison-mail')?.['health'] as { status: string; detail: string };
        const parked = Number(/parked (\d+)/.exec(health.detail)?.[1] ?? NaN);
        const recorded = (await hub.count("channel = 'email'")) - 1;
        return { health, parked, recorded };
      };
      await waitUntil(async () => {
        const { health, parked, recorded } = await settled();
        return recorded + parked >= accepted && /backlog 0/.test(health.detail);
      }, 'every mail of the corpus recorded or parked', 60_000).catch(() => undefined);
      const { health, parked, recorded } = await settled();
      expect(recorded + parked, health.detail).toBe(accepted);
      expect(health.status).toBe('up');
      // Every mail was acknowledged or parked; the mailbox is not stuck.
      expect(/backlog 0/.test(health.detail)).toBe(true);

      const huge = await hub.database.pool.query<{ text: string }>("SELECT text FROM interactions WHERE external_id = '<poison-huge@customer.example.com>'");
      expect(huge.rows[0]?.text).toMatch(/over the limit of 26214400 bytes: it was not downloaded/);
      const html = await hub.database.pool.query<{ html: string | null }>("SELECT html FROM interactions WHERE external_id = '<poison-html-script@customer.example.com>'");
      expect(html.rows[0]?.html).toContain('<b>agent</b>');
      expect(html.rows[0]?.html).not.toMatch(/script|onclick|tracker\.example\.com/);
      const seventy = await hub.database.pool.query<{ attachments: unknown[] }>("SELECT attachments FROM interactions WHERE external_id = '<poison-seventy-attachments@customer.example.com>'");
      // 70 attachments, each in the blob store; the ledger holds all the rest, so no original.
      expect(seventy.rows[0]?.attachments).toHaveLength(70);
      const euro = await hub.database.pool.query<{ attachments: { name: string }[] }>("SELECT attachments FROM interactions WHERE external_id = '<poison-rfc2231-filename@customer.example.com>'");
      expect(euro.rows[0]?.attachments.map((a) => a.name)).toContain('€ rates.pdf');
      const latin = await hub.database.pool.query<{ text: string }>("SELECT text FROM interactions WHERE external_id = '<poison-latin1@customer.example.com>'");
      expect(latin.rows[0]?.text).toBe('Grüße aus Köln');
    } finally {
      await hub.stop(true);
    }
  });
});
