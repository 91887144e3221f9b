import { deskSlackPlugin } from './desk-slack.plugin.js';

export default deskSlackPlugin;
export { deskSlackConfigSchema, EVENTS_PATH, type DeskSlackConfig } from './desk-slack.plugin.js';
export { HubReceiver, SIGNATURE_WINDOW_SECONDS } from './slack-http-receiver.js';
export { SlackAgentDesk, SLACK_BINDING } from './slack-agent-desk.js';
