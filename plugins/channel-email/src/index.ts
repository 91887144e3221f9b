import { emailPlugin } from './channel-email.plugin.js';

export default emailPlugin;
export { emailConfigSchema, type EmailConfig } from './channel-email.plugin.js';
export { EmailChannel, deliveryErrorOf } from './email-channel.js';
export { MailboxWatcher } from './mailbox-watcher.js';
export { mailToInbound, visibleReply, threadRefsOf, normaliseMessageId, rawDigestId } from './mail-to-inbound.js';
