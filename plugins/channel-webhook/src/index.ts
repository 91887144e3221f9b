import { channelWebhookPlugin } from './channel-webhook.plugin.js';

export default channelWebhookPlugin;
export { webhookConfigSchema, type WebhookConfig } from './channel-webhook.plugin.js';
export { WebhookChannel, WEBHOOK_USER_AGENT, type WebhookChannelOptions, type OutboundWebhookPayload } from './webhook-channel.js';
export {
  createInboundRoute,
  inboundBodySchema,
  INBOUND_BODY_LIMIT,
  INBOUND_TOLERANCE_SECONDS,
  type InboundBody,
  type InboundRouteOptions,
} from './inbound.route.js';
export {
  signWebhook,
  verifyWebhook,
  isValidWebhookSecret,
  WebhookVerificationError,
  type VerifiedWebhook,
  type WebhookHeaderInput,
  type WebhookSignatureHeaders,
  type WebhookVerificationFailure,
} from './webhook-signature.js';
