import type { LegacySource } from '../../plugin-api/legacy-source.port.js';

/** The legacy plugin instances the hub has loaded, by instance id. */
export interface LegacySources {
  find(instanceId: string): LegacySource | undefined;
  ids(): string[];
}
export const LegacySources = Symbol.for('switchboard.LegacySources');
