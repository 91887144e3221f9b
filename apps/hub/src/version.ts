/** The hub's release, as its package.json says: OpenAPI `info.version` and the header of an export. */
export const HUB_VERSION = '0.1.0';
