import type { Identity } from '../../identity/customer.entity.js';
import type { CrmContact } from '../../plugin-api/crm.port.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { CrmRegistry } from '../ports/crm-registry.port.js';
import { linkedContactId } from './sync-crm.use-case.js';

/** What customer 360 and the desk cards show of a customer's CRM contact. */
export interface CrmFactsView {
  instanceId: string;
  system: string;
  contactId: string;
  name: string | null;
  company: string | null;
  owner: string | null;
  lifecycleStage: string | null;
  url: string | null;
  /** When the facts were read from the CRM (null: never, see `error`). */
  fetchedAt: Date | null;
  /** The facts are older than the cache's TTL: the CRM could not be read just now. */
  stale: boolean;
  error?: string | undefined;
}

const READ_TIMEOUT_MS = 2000;

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the CRM did not answer within ${ms} ms`)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });

/**
 * CRM facts (name, company, owner, lifecycle stage, link) of linked customers, cached per process
 * for `ttlSeconds`: a read within the TTL makes no CRM call; after it, one batch read per instance,
 * and when that fails the last facts are shown marked `stale`.
 */
export class CrmFacts {
  private readonly cache = new Map<string, { contact: CrmContact | null; at: Date }>();

  constructor(
    private readonly crms: CrmRegistry,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  /** The facts of the contacts these identities link to, one per CRM instance. */
  async forIdentities(identities: readonly Identity[]): Promise<CrmFactsView[]> {
    const views: CrmFactsView[] = [];
    for (const target of this.crms.list()) {
      const contactId = linkedContactId(identities, target.system);
      if (contactId === null) continue;
      const key = `${target.instanceId}\0${contactId}`;
      const now = this.clock.now();
      let cached = this.cache.get(key);
      let error: string | undefined;
      if ((!cached || now.getTime() - cached.at.getTime() > this.ttlSeconds * 1000) && target.crm.readContacts) {
        try {
          const [contact] = await withTimeout(target.crm.readContacts([contactId]), READ_TIMEOUT_MS);
          cached = { contact: contact ?? null, at: now };
          this.cache.set(key, cached);
          if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
      }
      const contact = cached?.contact ?? null;
      views.push({
        instanceId: target.instanceId,
        system: target.system,
        contactId,
        name: contact?.name ?? null,
        company: contact?.company ?? null,
        owner: contact?.owner ?? null,
        lifecycleStage: contact?.lifecycleStage ?? null,
        url: contact?.url ?? null,
        fetchedAt: cached?.at ?? null,
        stale: error !== undefined,
        ...(error !== undefined ? { error } : cached && !cached.contact ? { error: `contact ${contactId} is not in ${target.system}` } : {}),
      });
    }
    return views;
  }

  /** Forgets a contact's facts (erasure). */
  forget(instanceId: string, contactId: string): void {
    this.cache.delete(`${instanceId}\0${contactId}`);
  }
}
