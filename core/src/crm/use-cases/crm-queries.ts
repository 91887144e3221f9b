import { DomainError } from '../../shared/domain-error.js';
import type { Store } from '../../store/store.port.js';
import type { CrmLogEntry, CrmLogStatus } from '../crm-log.entity.js';
import type { CrmRegistry } from '../ports/crm-registry.port.js';
import type { CrmFacts, CrmFactsView } from './crm-facts.js';

/** A customer as one CRM instance has it: the linked contact's facts (when linked) and where its entries stand. */
export interface CrmCustomerView {
  system: string;
  contact: Omit<CrmFactsView, 'instanceId' | 'system'> | null;
  /** The customer's entries (and those of customers merged into it) by sync status. */
  sync: Record<CrmLogStatus, number>;
}

/** What the API reads about the CRM sync, and the operator's retry of dead entries. */
export class CrmQueries {
  constructor(
    private readonly store: Store,
    private readonly crms: CrmRegistry,
    private readonly facts: CrmFacts,
  ) {}

  /** Per CRM instance id; empty without CRM instances. */
  async forCustomer(customerId: string): Promise<Record<string, CrmCustomerView>> {
    const instances = this.crms.list();
    if (instances.length === 0) return {};
    const { identities, family, counts } = await this.store.read(async (s) => {
      const family = await s.customers.familyOf(customerId);
      const identities = (await Promise.all(family.map((id) => s.identities.listByCustomer(id)))).flat();
      const counts = await Promise.all(instances.map((i) => s.crmLog.counts(i.instanceId, family)));
      return { identities, family, counts };
    });
    if (family.length === 0) return {};
    const facts = await this.facts.forIdentities(identities);
    return Object.fromEntries(
      instances.map((instance, n) => {
        const view = facts.find((f) => f.instanceId === instance.instanceId);
        const contact = view ? (({ instanceId: _i, system: _s, ...rest }) => rest)(view) : null;
        return [instance.instanceId, { system: instance.system, contact, sync: counts[n]! }];
      }),
    );
  }

  /**
   * Dead entries of one instance (these, or all) go back to the sync: the sweeper hands them to a
   * worker within one sweep interval, which looks in the CRM before it creates anything.
   */
  async retryDead(instanceId: string, interactionIds: readonly string[] | null, at: Date): Promise<number> {
    if (!this.crms.get(instanceId)) throw new DomainError('not_found', 'CRM.INSTANCE_NOT_FOUND', `no CRM plugin instance '${instanceId}'`);
    return this.store.transaction((s) => s.crmLog.retryDead(instanceId, interactionIds, at));
  }

  /** Entries of one instance in one status, newest change first: the dead letters with their reasons. */
  async log(instanceId: string, status: CrmLogStatus, limit: number): Promise<CrmLogEntry[]> {
    if (!this.crms.get(instanceId)) throw new DomainError('not_found', 'CRM.INSTANCE_NOT_FOUND', `no CRM plugin instance '${instanceId}'`);
    return this.store.read((s) => s.crmLog.listByStatus(instanceId, status, limit));
  }
}
