import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '../shared/ids.js';
import type { Channel, OutboundMessage } from '../plugin-api/channel.port.js';

/** A channel made for one contract test, and what its outside system received. */
export interface ChannelUnderTest {
  channel: Channel;
  /**
   * The interaction ids the outside system (a loopback server, a recording transport) has received,
   * in order, repeats included. Optional for channels whose provider cannot be observed in a test.
   */
  received?(): Promise<readonly string[]> | readonly string[];
  dispose?(): Promise<void>;
}

/** An outbound message as the hub hands it to `Channel.send`. */
export const anOutboundMessage = (channel: string, overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  interactionId: newId(),
  conversationId: newId(),
  customerId: newId(),
  channel,
  to: { kind: 'email', value: 'ann@example.com', name: 'Ann' },
  subject: 'Re: your order',
  text: 'Your order left the warehouse today.',
  html: null,
  attachments: [],
  inReplyTo: null,
  threadRef: null,
  references: [],
  agent: { id: newId(), name: 'Ada' },
  attempt: 1,
  ...overrides,
});

const CHANNEL_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * The conformance suite of the Channel port: every channel plugin runs it against its adapter.
 * `make` is called once per test.
 */
export const runChannelContract = (name: string, make: () => Promise<ChannelUnderTest>): void => {
  describe(`Channel contract: ${name}`, () => {
    let current: ChannelUnderTest | null = null;
    const open = async () => (current = await make());
    afterEach(async () => {
      await current?.dispose?.();
      current = null;
    });

    it('names its channel with 1 to 64 of [a-z0-9._-]', async () => {
      const { channel } = await open();
      expect(channel.channel).toMatch(CHANNEL_NAME);
    });

    it('sends a message and answers a SendResult', async () => {
      const { channel, received } = await open();
      const message = anOutboundMessage(channel.channel);
      const result = await channel.send(message);
      expect(typeof result).toBe('object');
      if (result.providerMessageId !== undefined) expect(typeof result.providerMessageId).toBe('string');
      if (received) expect(await received()).toContain(message.interactionId);
    });

    it('accepts a retry of the same interaction (the hub retries after a lost answer)', async () => {
      const { channel, received } = await open();
      const message = anOutboundMessage(channel.channel);
      await channel.send(message);
      await channel.send({ ...message, attempt: 2 });
      if (received) expect((await received()).filter((id) => id === message.interactionId).length).toBeGreaterThanOrEqual(1);
    });

    it('names outbound messages stably per interaction, if it names them at all', async () => {
      const { channel } = await open();
      if (channel.outboundExternalId === undefined) return;
      const ref = { interactionId: newId(), conversationId: newId() };
      const first = channel.outboundExternalId(ref);
      expect(first.length).toBeGreaterThan(0);
      expect(channel.outboundExternalId(ref)).toBe(first);
      expect(channel.outboundExternalId({ ...ref, interactionId: newId() })).not.toBe(first);
    });
  });
};
