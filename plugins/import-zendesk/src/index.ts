import { importZendeskPlugin } from './import-zendesk.plugin.js';

export default importZendeskPlugin;
export { zendeskConfigSchema, type ZendeskConfig } from './import-zendesk.plugin.js';
export { ZendeskFileSource } from './zendesk-legacy-source.js';
export { loadZendeskExport, type ZendeskExport } from './zendesk-export.js';
