import { definePlugin, secret } from '@switchboard/core';
import { z } from 'zod';
import { HubspotClient } from './hubspot-client.js';
import { HubspotCrmConnector } from './hubspot-crm-connector.js';

export const crmHubspotConfigSchema = z.object({
  /** A private-app access token (`pat-…`), by reference. Scopes: crm.objects.contacts.read/write (notes, emails and communications ride on them). */
  accessToken: secret(z.string().min(1)),
  /** The CRM's name in identities (`crm:<system>:<contact id>`): set it apart when two instances serve two HubSpot accounts. */
  system: z.string().regex(/^[a-z0-9-]{1,40}$/, 'a name of [a-z0-9-]').default('hubspot'),
  apiBaseUrl: z.url({ protocol: /^https?$/ }).default('https://api.hubapi.com'),
  /** Identity kinds used to find a contact. */
  match: z.array(z.enum(['email', 'phone'])).min(1).default(['email', 'phone']),
  /** Create a contact for a customer HubSpot does not know. */
  createContacts: z.boolean().default(true),
  /** Every interaction on the contact's timeline. */
  logInteractions: z.boolean().default(true),
  /** Erasure in the hub also deletes the HubSpot contact (GDPR delete). */
  eraseInCrm: z.boolean().default(false),
  /** Requests per rolling 10 seconds (HubSpot allows a private app 100, or 190 on Professional/Enterprise); the hub keeps under it. */
  requestsPerTenSeconds: z.number().int().min(1).max(1000).default(100),
  /** For links to records: `<appUrl>/contacts/<portalId>/record/0-1/<id>`; the portal id is read from the account when absent. */
  appUrl: z.url({ protocol: /^https?$/ }).default('https://app.hubspot.com'),
  portalId: z.number().int().positive().optional(),
  timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
});
export type CrmHubspotConfig = z.output<typeof crmHubspotConfigSchema>;

export const crmHubspotPlugin = definePlugin({
  id: '@switchboard/crm-hubspot',
  displayName: 'HubSpot CRM',
  version: '0.1.0',
  apiVersion: 1,
  kinds: ['crm'],
  configSchema: crmHubspotConfigSchema,
  create: (_ctx, config) => {
    const client = new HubspotClient({ apiBaseUrl: config.apiBaseUrl, token: () => config.accessToken, perTenSeconds: config.requestsPerTenSeconds, timeoutMs: config.timeoutMs });
    const crm = new HubspotCrmConnector(client, {
      policy: { match: config.match, createContacts: config.createContacts, logInteractions: config.logInteractions, eraseInCrm: config.eraseInCrm },
      appUrl: config.appUrl,
      system: config.system,
      portalId: config.portalId,
    });
    return {
      crm,
      health: async () => crm.health(),
      testConnection: () => crm.testConnection(),
    };
  },
});
