import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../../harness/dovecot-server.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';
import nodemailer from 'nodemailer';

const mail = (n: number) => `From: ann@example.com\r\nTo: support@acme.test\r\nSubject: hello ${n}\r\nMessage-ID: <h${n}@example.com>\r\n\r\nbody ${n}\r\n`;

describe('the Dovecot and SMTP test servers', () => {
  let dovecot: DovecotServer;
  let sink: SmtpSink;
  beforeAll(async () => {
    [dovecot, sink] = await Promise.all([startDovecot(), startSmtpSink()]);
  });
  afterAll(async () => {
    await Promise.all([dovecot?.stop(), sink?.stop()]);
  });

  it('appends mail that a client reads back by UID, and recreating the mailbox changes UIDVALIDITY', async () => {
    expect(await dovecot.append('INBOX', [mail(1), mail(2)])).toEqual([1, 2]);
    expect((await dovecot.status('INBOX')).messages).toBe(2);
    // INBOX cannot be deleted (RFC 3501): the UIDVALIDITY scenario uses another mailbox.
    const probe = await dovecot.client();
    await probe.mailboxCreate('Sales');
    await probe.logout();
    const first = await dovecot.status('Sales');
    expect(await dovecot.append('Sales', [mail(3), mail(4)])).toEqual([1, 2]);
    await dovecot.recreateMailbox('Sales');
    expect(await dovecot.append('Sales', [mail(5)])).toEqual([1]);
    const after = await dovecot.status('Sales');
    expect(after.uidValidity).not.toBe(first.uidValidity);
    expect(await dovecot.flags('Sales')).toEqual([{ uid: 1, seen: false }]);
  });

  it('refuses a wrong password', async () => {
    const wrong = await import('imapflow').then(({ ImapFlow }) => new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: 'support', pass: 'nope' }, logger: false }));
    await expect(wrong.connect()).rejects.toThrow();
  });

  it('the SMTP sink keeps authenticated mail and answers a refusal it was told to give', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, auth: { user: 'support', pass: 'smtppw' } });
    await transport.sendMail({ from: 'support@acme.test', to: 'ann@example.com', subject: 'hi', text: 'there' });
    expect(sink.mails).toHaveLength(1);
    expect(sink.mails[0]!.parsed.subject).toBe('hi');
    sink.refuseNext(550, 'no such user');
    await expect(transport.sendMail({ from: 'support@acme.test', to: 'gone@example.com', subject: 'x', text: 'y' })).rejects.toMatchObject({ responseCode: 550 });
    transport.close();
  });
});
