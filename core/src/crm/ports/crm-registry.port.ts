import type { CrmConnector, CrmSyncPolicy } from '../../plugin-api/crm.port.js';

/** One configured CRM instance. */
export interface CrmInstance {
  instanceId: string;
  /** The CRM's name in identities (`crm:<system>:<id>`). */
  system: string;
  crm: CrmConnector;
  policy: CrmSyncPolicy;
}

/** The CRM instances the hub loaded. */
export interface CrmRegistry {
  list(): readonly CrmInstance[];
  get(instanceId: string): CrmInstance | undefined;
}
export const CrmRegistry = Symbol.for('switchboard.CrmRegistry');

export const DEFAULT_CRM_POLICY: CrmSyncPolicy = { match: ['email', 'phone'], createContacts: false, logInteractions: true, eraseInCrm: false };

/** A registry over loaded connectors, with their policy (a connector without one gets the default). */
export const crmRegistry = (instances: readonly { instanceId: string; crm: CrmConnector }[]): CrmRegistry => {
  const list: CrmInstance[] = instances.map(({ instanceId, crm }) => ({ instanceId, crm, system: crm.system ?? instanceId, policy: crm.policy ?? DEFAULT_CRM_POLICY }));
  return { list: () => list, get: (id) => list.find((i) => i.instanceId === id) };
};
