import { crmHubspotPlugin } from './crm-hubspot.plugin.js';

export default crmHubspotPlugin;
export { crmHubspotConfigSchema, type CrmHubspotConfig } from './crm-hubspot.plugin.js';
export { HubspotClient, type HubspotClientOptions, type HubspotClientState } from './hubspot-client.js';
export { HubspotCrmConnector, engagementTypeOf, interactionMarker, type HubspotConnectorOptions } from './hubspot-crm-connector.js';
