import { describe, expect, it } from 'vitest';
import { parseDeskText } from '../desk-command.parser.js';

describe('parseDeskText', () => {
  it('reads each command with its arguments', () => {
    expect(parseDeskText('status away', false)).toEqual({ kind: 'command', command: { name: 'status', presence: 'away' } });
    expect(parseDeskText('Status Available', false)).toEqual({ kind: 'command', command: { name: 'status', presence: 'available' } });
    expect(parseDeskText('resolve', true)).toEqual({ kind: 'command', command: { name: 'resolve' } });
    expect(parseDeskText('reopen', true)).toEqual({ kind: 'command', command: { name: 'reopen' } });
    expect(parseDeskText('transfer billing', true)).toEqual({ kind: 'command', command: { name: 'transfer', queue: 'billing' } });
    expect(parseDeskText('note called back, no answer', true)).toEqual({ kind: 'command', command: { name: 'note', text: 'called back, no answer' } });
    expect(parseDeskText('whois ann@example.com', false)).toEqual({ kind: 'command', command: { name: 'whois', identity: 'ann@example.com' } });
    expect(parseDeskText('mine', false)).toEqual({ kind: 'command', command: { name: 'mine' } });
    expect(parseDeskText('/help', false)).toEqual({ kind: 'command', command: { name: 'help' } });
  });

  it('strips the @mention markup Teams adds', () => {
    expect(parseDeskText('<at>Switchboard</at> status&nbsp;offline', false)).toEqual({ kind: 'command', command: { name: 'status', presence: 'offline' } });
  });

  it('names typos and bad arguments instead of guessing', () => {
    expect(parseDeskText('resovle', true)).toEqual({ kind: 'invalid', problem: "unknown command 'resovle' — did you mean `resolve`?" });
    expect(parseDeskText('stauts away', false)).toMatchObject({ kind: 'invalid', problem: expect.stringContaining('`status`') });
    expect(parseDeskText('status busyish', false)).toMatchObject({ kind: 'invalid', problem: expect.stringContaining('away, available, offline') });
    expect(parseDeskText('transfer', true)).toMatchObject({ kind: 'invalid' });
    expect(parseDeskText('note', true)).toMatchObject({ kind: 'invalid' });
    expect(parseDeskText('mine please', false)).toMatchObject({ kind: 'invalid' });
    expect(parseDeskText('hello there', false)).toEqual({ kind: 'invalid', problem: "unknown command 'hello'" });
  });

  it('takes other text in a thread as a reply to the customer', () => {
    expect(parseDeskText('Your parcel ships today.', true)).toEqual({ kind: 'text', text: 'Your parcel ships today.' });
    // `note` always makes a note (the safe side: never sent by accident, and the bot says 'Note added.');
    // a near-miss of a command followed by a sentence is a reply.
    expect(parseDeskText('Note that the parcel ships today.', true)).toEqual({ kind: 'command', command: { name: 'note', text: 'that the parcel ships today.' } });
    expect(parseDeskText('Resolved it on our side, please check again', true)).toEqual({ kind: 'text', text: 'Resolved it on our side, please check again' });
  });
});
