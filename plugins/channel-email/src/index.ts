import { emailPlugin } from './channel-email.plugin.js';

export default emailPlugin;
export { emailConfigSchema, type EmailConfig } from './channel-email.plugin.js';
export { EmailChannel } from './email-channel.js';
