import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotServer } from '../../harness/dovecot-server.js';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.js';
import { aMail, mailboxSpec, startEmailHub, waitUntil } from '../../harness/email-hub.js';

type Json = Record<string, unknown>;

const dsnFor = (messageId: string, n: number) =>
  [
    'From: Mail Delivery System <MAILER-DAEMON@mx.customer.example.com>',
    'To: support@acme.test',
    `Subject: Undelivered Mail Returned to Sender ${n}`,
    `Message-ID: <dsn-${n}@mx.customer.example.com>`,
    'Return-Path: <>',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="RPT"',
    '',
    '--RPT',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered.',
    '--RPT',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.customer.example.com',
    '',
    'Final-Recipient: rfc822; gone@customer.example.com',
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 <gone@customer.example.com>: Recipient address rejected',
    '',
    '--RPT',
    'Content-Type: text/rfc822-headers',
    '',
    'From: support@acme.test',
    'To: gone@customer.example.com',
    `Message-ID: ${messageId}`,
    'Subject: Re: question',
    '',
    '--RPT--',
    '',
  ].join('\r\n');

describe('email threading, outbound and loop protection against Dovecot and an SMTP sink', () => {
  let dovecot: DovecotServer;
  let sink: SmtpSink;
  let hub: Awaited<ReturnType<typeof startEmailHub>>;
  let ada: string;
  beforeAll(async () => {
    [dovecot, sink] = await Promise.all([startDovecot(), startSmtpSink()]);
    hub = await startEmailHub({ mailboxes: [mailboxSpec(dovecot, sink, { id: 'support-mail', channel: 'email', pollSeconds: 1 })] });
    const created = await hub.call('POST', '/v1/agents', { name: 'Ada' });
    ada = String(created.json['id']);
  }, 60_000);
  afterAll(async () => {
    await hub?.stop(true);
    await Promise.all([dovecot?.stop(), sink?.stop()]);
  });

  const recorded = async (externalId: string) => {
    await waitUntil(async () => (await hub.count('external_id = $1', [externalId])) === 1, `the mail ${externalId}`);
    const row = await hub.database.pool.query<{ id: string; conversation_id: string }>('SELECT id, conversation_id FROM interactions WHERE external_id = $1', [externalId]);
    return row.rows[0]!;
  };
  const conversation = async (id: string) => (await hub.call('GET', `/v1/conversations/${id}`)).json as Json & { interactions: Json[] };
  const reply = async (conversationId: string, text: string) => {
    const sent = await hub.call('POST', `/v1/conversations/${conversationId}/replies`, { agentId: ada, text });
    expect(sent.status).toBe(201);
    return sent.json as Json & { id: string; externalId: string };
  };
  const deliveryOf = async (conversationId: string, interactionId: string) =>
    ((await conversation(conversationId)).interactions.find((i) => i['id'] === interactionId)?.['delivery'] ?? null) as Json | null;

  it('sends a reply with threading headers; answers with only References or only In-Reply-To join its conversation', { timeout: 60_000 }, async () => {
    await dovecot.append('INBOX', [aMail('t1', { subject: 'printer on fire' })]);
    const first = await recorded('<m-t1@customer.example.com>');
    const answer = await reply(first.conversation_id, 'We are on our way.');
    expect(answer.externalId).toBe(`<${answer.id}@acme.test>`);
    await waitUntil(async () => sink.mails.some((m) => m.parsed.messageId === answer.externalId), 'the reply at the SMTP sink');
    const mail = sink.mails.find((m) => m.parsed.messageId === answer.externalId)!;
    expect(mail.parsed.from?.value[0]?.address).toBe('support@acme.test');
    expect(mail.to).toEqual(['ct1@customer.example.com']);
    // The conversation's subject token rides along, the fallback for clients that drop the headers.
    expect(mail.parsed.subject).toMatch(/^Re: printer on fire \[#[0-9A-HJKMNP-TV-Z]{10}\]$/);
    expect(mail.parsed.inReplyTo).toBe('<m-t1@customer.example.com>');
    expect(mail.parsed.references).toBe('<m-t1@customer.example.com>');
    expect(mail.parsed.headers.has('auto-submitted')).toBe(false);
    await waitUntil(async () => (await deliveryOf(first.conversation_id, answer.id))?.['status'] === 'delivered', 'delivered');

    // Other senders (colleagues), so that only the references can bring them to the conversation.
    await dovecot.append('INBOX', [aMail('t2', { from: 'colleague-a@customer.example.com', subject: 'Re: printer on fire', headers: `References: <m-t1@customer.example.com> ${answer.externalId}` })]);
    expect((await recorded('<m-t2@customer.example.com>')).conversation_id).toBe(first.conversation_id);
    await dovecot.append('INBOX', [aMail('t3', { from: 'colleague-b@customer.example.com', subject: 'Re: printer on fire', headers: `In-Reply-To: ${answer.externalId}` })]);
    expect((await recorded('<m-t3@customer.example.com>')).conversation_id).toBe(first.conversation_id);

    // The second reply carries the whole chain.
    const second = await reply(first.conversation_id, 'Fire is out.');
    await waitUntil(async () => sink.mails.some((m) => m.parsed.messageId === second.externalId), 'the second reply');
    const chain = sink.mails.find((m) => m.parsed.messageId === second.externalId)!.parsed;
    expect(chain.inReplyTo).toBe('<m-t3@customer.example.com>');
    expect(chain.references).toEqual([answer.externalId, '<m-t3@customer.example.com>']);
  });

  it('joins an answer that kept only the subject token to its conversation, for the same customer only', { timeout: 60_000 }, async () => {
    await dovecot.append('INBOX', [aMail('k1', { from: 'kim@customer.example.com', subject: 'lost parcel' })]);
    const first = await recorded('<m-k1@customer.example.com>');
    const answer = await reply(first.conversation_id, 'It is in the depot.');
    await waitUntil(async () => sink.mails.some((m) => m.parsed.messageId === answer.externalId), 'the reply at the SMTP sink');
    const subject = sink.mails.find((m) => m.parsed.messageId === answer.externalId)!.parsed.subject ?? '';
    const token = /\[#([0-9A-HJKMNP-TV-Z]{10})\]/.exec(subject)?.[1];
    expect(token, subject).toBeDefined();
    // Every reply of the conversation carries the same token.
    const again = await reply(first.conversation_id, 'Still there.');
    await waitUntil(async () => sink.mails.some((m) => m.parsed.messageId === again.externalId), 'the second reply');
    expect(sink.mails.find((m) => m.parsed.messageId === again.externalId)!.parsed.subject).toContain(`[#${token}]`);
    // Resolved, and Kim writes about something else: a new conversation (the continuity pick from now on).
    expect((await hub.call('POST', `/v1/conversations/${first.conversation_id}/resolve`, {})).status).toBe(200);
    await dovecot.append('INBOX', [aMail('k2', { from: 'kim@customer.example.com', subject: 'new order' })]);
    const other = await recorded('<m-k2@customer.example.com>');
    expect(other.conversation_id).not.toBe(first.conversation_id);

    // Kim's client dropped In-Reply-To and References, the token survived (in lower case, even): back in the first conversation.
    await dovecot.append('INBOX', [aMail('k3', { from: 'kim@customer.example.com', subject: `AW: Re: lost parcel [#${token!.toLowerCase()}]` })]);
    expect((await recorded('<m-k3@customer.example.com>')).conversation_id).toBe(first.conversation_id);
    expect((await conversation(first.conversation_id))['status']).not.toBe('resolved');

    // A stranger who copies the token does not get into Kim's conversation.
    await dovecot.append('INBOX', [aMail('k4', { from: 'mallory@elsewhere.example.net', subject: `Re: lost parcel [#${token}]` })]);
    const stranger = await recorded('<m-k4@customer.example.com>');
    expect(stranger.conversation_id).not.toBe(first.conversation_id);
    expect(stranger.conversation_id).not.toBe(other.conversation_id);
    // A token we never sent leads nowhere: recorded as any new mail.
    await dovecot.append('INBOX', [aMail('k5', { from: 'lee@customer.example.com', subject: 'Re: something [#0000000000]' })]);
    const unknown = await recorded('<m-k5@customer.example.com>');
    expect([first.conversation_id, other.conversation_id, stranger.conversation_id]).not.toContain(unknown.conversation_id);
  });

  it('records auto-replies, bulk mail, loops and our own mail without queueing them, and answers none', { timeout: 60_000 }, async () => {
    const sentBefore = sink.mails.length;
    const noisy = [
      aMail('n1', { from: 'n1@customer.example.com', headers: 'Auto-Submitted: auto-replied' }),
      aMail('n2', { from: 'n2@customer.example.com', headers: 'Precedence: bulk' }),
      aMail('n3', { from: 'n3@customer.example.com', headers: 'X-Loop: helpdesk@customer.example.com' }),
      aMail('n4', { from: 'n4@customer.example.com', headers: 'X-Auto-Response-Suppress: All' }),
      aMail('n5', { from: 'n5@customer.example.com', headers: 'Return-Path: <>' }),
      aMail('n6', { from: 'support@acme.test' }),
      aMail('n7', { from: 'n7@customer.example.com', headers: 'Auto-Submitted: no' }),
    ];
    await dovecot.append('INBOX', noisy);
    const rows = await Promise.all(['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'].map((n) => recorded(`<m-${n}@customer.example.com>`)));
    const statuses = await Promise.all(rows.map(async (r) => (await conversation(r.conversation_id))['status']));
    // Recorded without routing: the conversation stays open, nobody is offered it. `Auto-Submitted: no` is a person.
    expect(statuses, JSON.stringify(statuses)).toEqual(['open', 'open', 'open', 'open', 'open', 'open', 'queued']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sink.mails.length).toBe(sentBefore);
  });

  it('marks the outbound message failed when a DSN reports it, and dead-letters a permanent SMTP refusal with its answer', { timeout: 60_000 }, async () => {
    await dovecot.append('INBOX', [aMail('b1', { from: 'gone@customer.example.com', subject: 'question' })]);
    const first = await recorded('<m-b1@customer.example.com>');
    const answer = await reply(first.conversation_id, 'Here is your answer.');
    await waitUntil(async () => (await deliveryOf(first.conversation_id, answer.id))?.['status'] === 'delivered', 'delivered');
    const sentBefore = sink.mails.length;
    await dovecot.append('INBOX', [dsnFor(answer.externalId, 1)]);
    await recorded('<dsn-1@mx.customer.example.com>');
    await waitUntil(async () => (await deliveryOf(first.conversation_id, answer.id))?.['status'] === 'dead', 'the bounced reply marked dead');
    expect(String((await deliveryOf(first.conversation_id, answer.id))?.['reason'])).toMatch(/bounced: status 5\.1\.1; smtp; 550 5\.1\.1/);
    expect(sink.mails.length).toBe(sentBefore);

    // A temporary refusal is retried; a permanent one is dead-lettered with the server's answer.
    sink.refuseNext(451, 'try again later');
    const retried = await reply(first.conversation_id, 'Second try.');
    await waitUntil(async () => (await deliveryOf(first.conversation_id, retried.id))?.['status'] === 'delivered', 'delivered after a retry');
    sink.refuseNext(550, 'mailbox unavailable');
    const refused = await reply(first.conversation_id, 'Third.');
    await waitUntil(async () => (await deliveryOf(first.conversation_id, refused.id))?.['status'] === 'dead', 'dead-lettered');
    expect(String((await deliveryOf(first.conversation_id, refused.id))?.['reason'])).toMatch(/SMTP 550: .*mailbox unavailable/);
  });

  it('tests IMAP login and SMTP through the API, and reports the mailbox in health', async () => {
    const tested = await hub.call('POST', '/v1/plugins/support-mail/test');
    expect(tested.json).toMatchObject({ ok: true });
    expect(String(tested.json['detail'])).toMatch(/IMAP .* login ok; .*SMTP .* accepts the login/);
    const plugins = await hub.call('GET', '/v1/plugins');
    const health = plugins.json.items?.find((p) => p['id'] === 'support-mail')?.['health'] as Json;
    expect(health['status']).toBe('up');
    expect(JSON.stringify(health)).toMatch(/connected; last UID \d+/);
    expect(JSON.stringify(plugins.json)).not.toContain('supportpw');
  });
});
