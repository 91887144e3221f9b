import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useMailServers } from '../../harness/mail-servers.js';
import { aMail, mailboxSpec, startEmailHub, waitUntil } from '../../harness/email-hub.js';

type Attachment = { name: string; url?: string };

// keepOriginal: when-needed (the default): a mail's source is kept only when the ledger would not hold all of it.
describe('the source of a mail, kept when the ledger needs it', () => {
  const servers = useMailServers();

  it('is not kept for a mail the ledger holds whole, is kept for a quoted reply, and is read again for a mail the ledger refuses', { timeout: 90_000 }, async () => {
    const hub = await startEmailHub({ mailboxes: [mailboxSpec(servers.dovecot, servers.sink, { id: 'originals-mail', channel: 'email', pollSeconds: 1 })] });
    try {
      const plain = aMail('plain');
      const quoted = aMail('quoted', { body: 'Still broken.\r\n\r\nOn Tue, 1 Dec 2026, Support wrote:\r\n> Have you tried turning it off?' });
      // Passes the channel's address check, not the ledger's (no underscore in a DNS name): the ledger refuses it.
      const refused = aMail('refused', { from: 'Ann <ann@exa_mple.com>' });
      await servers.dovecot.append('INBOX', [plain, quoted, refused]);
      await waitUntil(async () => (await hub.count("channel = 'email'")) === 3, 'three mails recorded', 60_000);
      const rows = await hub.database.pool.query<{ external_id: string; subject: string; text: string; attachments: Attachment[] }>(
        "SELECT external_id, subject, text, attachments FROM interactions WHERE channel = 'email' ORDER BY external_id",
      );
      const byId = new Map(rows.rows.map((row) => [row.external_id, row]));
      const sha = (raw: string) => `sha256:${createHash('sha256').update(raw).digest('hex')}`;
      const blobPath = (ref: string) => join(hub.dataDir, 'plugins', 'blobs', 'sha256', ref.slice(7, 9), ref.slice(9, 11), `${ref.slice(7)}.blob`);

      expect(byId.get('<m-plain@customer.example.com>')?.attachments).toEqual([]);
      const reply = byId.get('<m-quoted@customer.example.com>');
      expect(reply?.text).toBe('Still broken.');
      expect(reply?.attachments.map((a) => [a.name, a.url])).toEqual([['original.eml', sha(quoted)]]);
      await access(blobPath(sha(quoted)));

      const placeholder = byId.get('<m-refused@customer.example.com>');
      expect(placeholder?.subject).toBe('(mail the ledger refused)');
      expect(placeholder?.attachments.map((a) => [a.name, a.url])).toEqual([['original.eml', sha(refused)]]);
      await access(blobPath(sha(refused)));
    } finally {
      await hub.stop(true);
    }
  });
});
