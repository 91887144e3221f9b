import { afterEach, describe, expect, it } from 'vitest';
import { parseHere } from '../mail-to-inbound.js';
import { acquireParsePool, ParsePool, ParsePoolClosedError, releaseParsePool } from '../parse-pool.js';

const mixed = Buffer.from(
  [
    'From: =?utf-8?q?Jos=C3=A9_P=C3=A9rez?= <jose@customer.example.com>',
    'To: support@acme.test',
    'Subject: =?utf-8?b?RHJ1Y2tlciBrYXB1dHQg4oCTIGhpbGZl?=',
    'Message-ID: <pool-1@customer.example.com>',
    'In-Reply-To: <ours-1@acme.test>',
    'References: <ours-0@acme.test> <ours-1@acme.test>',
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: multipart/alternative; boundary="inner"',
    '',
    '--inner',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Gr=FC=DFe, the printer is on fire.',
    '--inner',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p onclick="x()">Grüße, the <b>printer</b> is on fire.</p><script>alert(1)</script><img src="https://tracker.example/p.gif"><img src="cid:logo">',
    '--inner--',
    '--outer',
    'Content-Type: application/pdf',
    "Content-Disposition: attachment; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf",
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('%PDF-1.4 not really a pdf').toString('base64'),
    '--outer--',
    '',
  ].join('\r\n'),
);

let pool: ParsePool | null = null;
afterEach(async () => {
  await pool?.close();
  pool = null;
});

describe('mail parser threads', () => {
  it('parse a mail in a thread to the same parts as mailparser in this thread, HTML sanitised', async () => {
    pool = new ParsePool(2);
    const [there, here] = await Promise.all([pool.parse(mixed), parseHere(mixed)]);
    expect(there).toEqual(here);
    expect(there.subject).toBe('Drucker kaputt – hilfe');
    expect(there.text?.trim()).toBe('Grüße, the printer is on fire.');
    expect(there.html).toContain('<b>printer</b>');
    expect(there.html).not.toMatch(/script|onclick|tracker\.example/);
    expect(there.html).toContain('cid:logo');
    expect(there.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([['Rechnung März.pdf', 'application/pdf', '%PDF-1.4 not really a pdf']]);
    expect(Buffer.isBuffer(there.attachments[0]!.content)).toBe(true);
    expect(there.headers.get('auto-submitted')).toBe('auto-replied');
  });

  it('keep many mails apart when they are parsed at once', async () => {
    pool = new ParsePool(2);
    const mails = Array.from({ length: 40 }, (_, i) => Buffer.from(`From: c${i}@customer.example.com\r\nSubject: mail ${i}\r\nMessage-ID: <m-${i}@x>\r\n\r\n${'line\r\n'.repeat(i * 50)}body ${i}\r\n`));
    const parsed = await Promise.all(mails.map((mail) => pool!.parse(mail)));
    expect(parsed.map((p) => [p.subject, p.messageId, p.text?.trim().split('\n').at(-1)])).toEqual(mails.map((_, i) => [`mail ${i}`, `<m-${i}@x>`, `body ${i}`]));
  });

  it('send only the source, not the larger buffer it is a view into', async () => {
    pool = new ParsePool(1);
    const page = Buffer.concat([Buffer.from('x'.repeat(1000)), mixed, Buffer.from('y'.repeat(1000))]);
    const view = page.subarray(1000, 1000 + mixed.length);
    expect((await pool.parse(view)).messageId).toBe('<pool-1@customer.example.com>');
    // The caller's source is left as it was: copied, not moved.
    expect(view.equals(mixed)).toBe(true);
  });

  it('reject parses still running when closed, and any parse after, as closed (not as an unreadable mail)', async () => {
    pool = new ParsePool(1);
    const big = Buffer.from(`Subject: big\r\n\r\n${'a line of text that goes on\r\n'.repeat(200_000)}`);
    const running = expect(pool.parse(big)).rejects.toBeInstanceOf(ParsePoolClosedError);
    await pool.close();
    await running;
    await expect(pool.parse(mixed)).rejects.toBeInstanceOf(ParsePoolClosedError);
  });

  it('parse again, one at a time, the mails of a thread that a mail killed: only that mail fails', { timeout: 60_000 }, async () => {
    // One thread with a small heap: a 60 MB text body runs it out of memory, which ends the thread, not the process.
    pool = new ParsePool({ size: 1, heapMb: 64 });
    const small = (i: number) => Buffer.from(`From: c${i}@customer.example.com\r\nSubject: small ${i}\r\nMessage-ID: <s-${i}@x>\r\n\r\nbody ${i}\r\n`);
    const killer = Buffer.from(`Subject: too big for the thread\r\n\r\n${'a line of text that goes on\r\n'.repeat(2_000_000)}`);
    let settled = false;
    const killed = pool.parse(killer).then(
      () => 'parsed',
      (error: Error) => error.message,
    );
    void killed.finally(() => {
      settled = true;
    });
    // Mails keep coming while it is parsed, so some are in the thread when it dies.
    const others: Promise<string | undefined>[] = [];
    while (!settled) {
      others.push(pool.parse(small(others.length)).then((parsed) => parsed.subject));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await killed).toMatch(/the parser thread failed: .*memory/);
    expect(await Promise.all(others)).toEqual(others.map((_, i) => `small ${i}`));
    expect(pool.retried).toBeGreaterThan(1);
    // The pool goes on with a new thread.
    expect((await pool.parse(mixed)).subject).toBe('Drucker kaputt – hilfe');
  });

  it('share one pool between mailboxes until the last lets go', async () => {
    const first = acquireParsePool();
    const second = acquireParsePool();
    expect(second).toBe(first);
    await releaseParsePool(first);
    expect((await first.parse(mixed)).subject).toBe('Drucker kaputt – hilfe');
    await releaseParsePool(second);
    await expect(first.parse(mixed)).rejects.toBeInstanceOf(ParsePoolClosedError);
    const third = acquireParsePool();
    expect(third).not.toBe(first);
    await releaseParsePool(third);
  });
});
