import { legacyOsticketPlugin } from './legacy-osticket.plugin.js';

export default legacyOsticketPlugin;
export { osticketConfigSchema, type OsticketConfig } from './legacy-osticket.plugin.js';
export { OsticketLegacySource, type OsticketSourceOptions } from './osticket-legacy-source.js';
