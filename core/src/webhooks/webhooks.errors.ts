import { invalid, notFound } from '../shared/domain-error.js';
import { isPrivateHost } from './private-network.js';
import { typeFilterProblem } from './webhook-subscription.entity.js';

export const webhookNotFound = (id: string) => notFound('WEBHOOK.NOT_FOUND', `webhook subscription ${id} not found`);

/** Checks a subscription's URL: http(s), no credentials in it, and no private address unless allowed. */
export const checkWebhookUrl = (raw: string, allowPrivateNetworks: boolean): string => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('WEBHOOK.INVALID_URL', 'not an absolute URL', 'url');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('WEBHOOK.INVALID_URL', `only http and https URLs are allowed, not ${url.protocol.slice(0, -1)}`, 'url');
  if (url.username !== '' || url.password !== '') throw invalid('WEBHOOK.INVALID_URL', 'credentials in the URL are not allowed; deliveries are signed instead', 'url');
  if (url.hash !== '') throw invalid('WEBHOOK.INVALID_URL', 'a fragment (#…) is not sent; leave it out', 'url');
  if (!allowPrivateNetworks && isPrivateHost(url.hostname)) {
    throw invalid('WEBHOOK.PRIVATE_URL', `${url.hostname} is a loopback or private address; allowed only with hub.webhooks.allowPrivateNetworks`, 'url');
  }
  return url.toString();
};

export const checkTypes = (types: readonly string[]): string[] => {
  const problem = typeFilterProblem(types);
  if (problem !== null) throw invalid('WEBHOOK.INVALID_TYPES', problem, 'types');
  return [...new Set(types)];
};
