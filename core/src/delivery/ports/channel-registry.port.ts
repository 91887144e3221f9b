import type { Channel } from '../../plugin-api/channel.port.js';

/** Finds the channel plugin instance that serves a channel name. */
export interface ChannelRegistry {
  find(channel: string): Channel | undefined;
}
export const ChannelRegistry = Symbol.for('switchboard.ChannelRegistry');
