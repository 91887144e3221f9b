import type { PluginState } from '@switchboard/core';

// Crockford's base32: no I, L, O or U, so a token read aloud or retyped survives.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TOKEN_LENGTH = 10;
/** `[#<10 base32 characters>]` anywhere in a subject; case does not matter (mail clients keep it, people may not). */
const TOKEN = /\[#([0-9A-HJKMNP-TV-Z]{10})\]/i;

/**
 * The short conversation reference an outbound subject carries: the first 50 bits of the
 * conversation id in base32 (10 characters, e.g. `[#3ZK8W1QF0C]`). Deterministic, so every reply
 * of a conversation carries the same token and a retry the same subject.
 */
export const subjectTokenOf = (conversationId: string): string => {
  const hex = conversationId.replace(/-/g, '').slice(0, 13);
  let bits = BigInt(`0x${hex.padEnd(13, '0')}`) >> 2n;
  let token = '';
  for (let i = 0; i < TOKEN_LENGTH; i++) {
    token = ALPHABET[Number(bits & 31n)]! + token;
    bits >>= 5n;
  }
  return token;
};

/** The subject with the conversation's token at its end, unless it carries it already. */
export const withSubjectToken = (subject: string | null, token: string): string => {
  const found = subject ? TOKEN.exec(subject)?.[1] : undefined;
  if (found?.toUpperCase() === token) return subject ?? '';
  return subject && subject.trim() !== '' ? `${subject} [#${token}]` : `[#${token}]`;
};

/** The token a subject carries (upper case), if any. */
export const subjectTokenIn = (subject: string | undefined): string | null => {
  const found = subject ? TOKEN.exec(subject)?.[1] : undefined;
  return found ? found.toUpperCase() : null;
};

/**
 * Where a token leads, in the instance's plugin state: `subject:<token>` → the Message-ID of the
 * first mail we sent with it. An inbound mail with the token names that Message-ID as a
 * same-customer reference (`customerThreadRefs`): the hub follows it only to a conversation of
 * the sender's own customer, so a stranger who copies a token opens a conversation of their own.
 */
export class SubjectTokens {
  constructor(private readonly state: () => PluginState | undefined) {}

  /** Before the mail goes out: a customer may answer it at once. */
  async remember(token: string, messageId: string): Promise<void> {
    await this.state()?.setIfAbsent(`subject:${token}`, messageId);
  }

  async messageIdOf(token: string): Promise<string | null> {
    const value = await this.state()?.get(`subject:${token}`);
    return typeof value === 'string' ? value : null;
  }
}
