import { secretPathsOf } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import plugin from '../index.js';
import { deliveryErrorOf } from '../email-channel.js';
import { threadRefsOf, visibleReply } from '../mail-to-inbound.js';
import { subjectTokenIn, subjectTokenOf, withSubjectToken } from '../subject-token.js';

const valid = {
  address: 'support@acme.test',
  imap: { host: '127.0.0.1', user: 'support', password: 'x' },
  smtp: { host: '127.0.0.1' },
};

describe('@switchboard/channel-email manifest', () => {
  it('marks passwords and tokens as secrets, IMAP and SMTP alike', () => {
    expect(plugin).toMatchObject({ id: '@switchboard/channel-email', apiVersion: 1, kinds: ['channel'] });
    expect(secretPathsOf(plugin.configSchema).map((p) => p.join('.')).sort()).toEqual(['imap.accessToken', 'imap.password', 'smtp.accessToken', 'smtp.password']);
  });

  it('fills the documented defaults', () => {
    expect(plugin.configSchema.parse(valid)).toMatchObject({ channel: 'email', maxMessageBytes: 26_214_400, imap: { port: 143, mailbox: 'INBOX', afterIngest: 'seen' }, smtp: { port: 25 } });
  });

  it('refuses an IMAP login without password or token, and move without moveTo, naming the field', () => {
    const noSecret = plugin.configSchema.safeParse({ ...valid, imap: { host: 'h', user: 'u' } });
    expect(noSecret.error?.issues.map((i) => i.path.join('.'))).toContain('imap.password');
    const noTarget = plugin.configSchema.safeParse({ ...valid, imap: { ...valid.imap, afterIngest: 'move' } });
    expect(noTarget.error?.issues.map((i) => i.path.join('.'))).toContain('imap.moveTo');
    expect(plugin.configSchema.safeParse({ ...valid, address: 'not an address' }).error?.issues.map((i) => i.path.join('.'))).toContain('address');
  });
});

describe('email helpers', () => {
  it('orders thread refs most direct first: In-Reply-To, then References newest to oldest', () => {
    expect(threadRefsOf({ inReplyTo: '<c@x>', references: ['<a@x>', '<b@x>', '<c@x>'] })).toEqual(['<c@x>', '<b@x>', '<a@x>']);
    expect(threadRefsOf({ inReplyTo: undefined, references: '<a@x> <b@x>' })).toEqual(['<b@x>', '<a@x>']);
  });

  it('strips the quoted history from what agents see', () => {
    expect(visibleReply('Thanks, works now.\n\nOn Tue, 1 Dec 2026 Ada <support@acme.test> wrote:\n> Try again\n')).toBe('Thanks, works now.');
    expect(visibleReply('Yes.\n-----Original Message-----\nFrom: us')).toBe('Yes.');
    expect(visibleReply('> only a quote')).toBe('> only a quote');
    expect(visibleReply('Hello\r\n\r\nNo quote here.\r\n')).toBe('Hello\n\nNo quote here.');
    expect(visibleReply('Fine.\r\nAm 1. Dez. 2026 schrieb Ada <a@b.de>:\r\n> alt')).toBe('Fine.');
    expect(visibleReply('Fine.\n\n> quoted\n> more\n')).toBe('Fine.');
  });

  it('maps SMTP 5xx to permanent and 4xx or network trouble to temporary delivery errors', () => {
    expect(deliveryErrorOf({ responseCode: 550, response: '550 no such user' })).toMatchObject({ permanent: true, message: 'SMTP 550: 550 no such user' });
    expect(deliveryErrorOf({ responseCode: 451, response: '451 later' })).toMatchObject({ permanent: false });
    expect(deliveryErrorOf({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' })).toMatchObject({ permanent: false });
  });

  it('makes a 10-character base32 subject token per conversation, adds it once, and reads it back in any case', () => {
    const token = subjectTokenOf('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(token).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/);
    expect(subjectTokenOf('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(token);
    expect(subjectTokenOf('0f8fad5b-d9cc-469f-a165-70867728950e')).not.toBe(token);
    expect(withSubjectToken('Re: printer on fire', token)).toBe(`Re: printer on fire [#${token}]`);
    expect(withSubjectToken(`Re: Re: printer on fire [#${token}]`, token)).toBe(`Re: Re: printer on fire [#${token}]`);
    expect(withSubjectToken(null, token)).toBe(`[#${token}]`);
    expect(subjectTokenIn(`AW: Re: printer [#${token.toLowerCase()}] thanks`)).toBe(token);
    expect(subjectTokenIn('Re: [#12345] not ours')).toBeNull();
    expect(subjectTokenIn(undefined)).toBeNull();
  });
});
