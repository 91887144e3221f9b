import { beforeEach, describe, expect, it } from 'vitest';
import { IngestInbound } from '../../inbound/use-cases/ingest-inbound.use-case.js';
import { RelayOutbox } from '../../outbox/use-cases/relay-outbox.use-case.js';
import { Sweep } from '../../outbox/use-cases/sweep.use-case.js';
import { CrmError, type CrmConnector, type CrmInteractionSummary, type CrmLogOptions } from '../../plugin-api/crm.port.js';
import type { JobQueue } from '../../shared/ports/job-queue.port.js';
import { InMemoryCrmConnector } from '../../testing/__tests__/in-memory-crm-connector.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, anInboundMessage, uniqueToken } from '../../testing/mothers.js';
import { CRM_JOBS, crmJobs } from '../crm.jobs.js';
import { crmRegistry } from '../ports/crm-registry.port.js';
import { CrmFacts } from '../use-cases/crm-facts.js';
import { SyncCrm } from '../use-cases/sync-crm.use-case.js';

/**
 * A CRM whose answers can be lost: `loseNext` makes the next log take effect in the CRM and then
 * fail as a timeout would (the hub never learns the activity id). Recheck finds what it made.
 */
class LossyCrm extends InMemoryCrmConnector {
  readonly made: { contactId: string; interactionId: string }[] = [];
  loseNext = 0;
  refuse: CrmError | null = null;
  rechecks = 0;
  reads = 0;
  override async readContacts(ids: readonly string[]) {
    this.reads += 1;
    return (await this.findContacts([{ kind: 'email', value: 'ann@example.com' }])).flatMap((m) => m.contacts).filter((c) => ids.includes(c.id));
  }
  override async logInteraction(contactId: string, summary: CrmInteractionSummary, options: CrmLogOptions = {}) {
    if (this.refuse) throw this.refuse;
    if (options.recheck) this.rechecks += 1;
    const known = this.made.some((m) => m.interactionId === summary.interactionId);
    const result = await super.logInteraction(contactId, summary);
    if (!known) this.made.push({ contactId, interactionId: summary.interactionId });
    if (this.loseNext > 0) {
      this.loseNext -= 1;
      throw new CrmError('unavailable', 'the CRM did not answer in time');
    }
    return result;
  }
}

const recordingQueue = () => {
  const enqueued: { name: string; payload: unknown; jobId: string | undefined }[] = [];
  const queue: JobQueue = {
    enqueue: async (name, payload, options) => void enqueued.push({ name, payload, jobId: options?.jobId }),
    register: () => {},
    start: async () => {},
    stop: async () => {},
    counts: async () => ({ waiting: 0, active: 0, delayed: 0, failed: 0 }),
    failed: async () => [],
    health: async () => ({ status: 'up' }),
  };
  return { queue, enqueued };
};

describe('SyncCrm and the crm.sync-customer job on the in-memory store', () => {
  let store: InMemoryStore;
  let clock: ReturnType<typeof aClock>;
  let crm: LossyCrm;
  let sync: SyncCrm;
  let ingest: IngestInbound;
  let relay: RelayOutbox;
  let sweep: Sweep;
  let jobs: ReturnType<typeof recordingQueue>;

  const setUp = (connector: CrmConnector & Partial<LossyCrm>, crmEvents = true) => {
    const crms = crmRegistry([{ instanceId: 'crm', crm: connector }]);
    sync = new SyncCrm(store, clock, crms, { crm: { factsTtlSeconds: 60, maxAttempts: 3, leaseSeconds: 10 } });
    ingest = new IngestInbound(store, clock, { continuityWindowSeconds: 3600, channelQueues: {}, crmEvents });
    jobs = recordingQueue();
    const contributions = crmJobs({ sync, crms });
    relay = new RelayOutbox(store, jobs.queue, clock, contributions);
    sweep = new Sweep(store, jobs.queue, clock, relay, contributions);
  };

  beforeEach(() => {
    store = new InMemoryStore();
    clock = aClock();
    crm = new LossyCrm();
    setUp(crm);
  });

  const say = (email: string, text = 'hello') => ingest.ingest(anInboundMessage({ channel: 'email', from: { kind: 'email', value: email }, externalId: `m-${uniqueToken()}`, text, routing: 'record' }));
  const statuses = async (customerId: string) => store.read((s) => s.crmLog.counts('crm', [customerId]));

  it('writes no interaction.recorded event without a CRM, and one per ingest batch with one', async () => {
    setUp(crm, false);
    await say('a@example.com');
    expect(await relay.run()).toBe(0);
    setUp(crm, true);
    await say('a@example.com');
    expect(await relay.run()).toBe(1);
    expect(jobs.enqueued.map((j) => j.name)).toEqual([CRM_JOBS.syncCustomer]);
  });

  it('links a new customer to the contact its email finds, logs each entry once in order, and answers facts from cache', async () => {
    const { contact } = await crm.upsertContact({ customerId: 'elsewhere', displayName: 'Ann Lee' }, [{ kind: 'email', value: 'ann@example.com' }]);
    const first = await say('ann@example.com', 'one');
    await say('ann@example.com', 'two');
    await relay.run();
    const report = await sync.syncCustomer('crm', first.customerId);
    expect(report).toMatchObject({ logged: 2, contactId: contact.id, yielded: false });
    const identities = await store.read((s) => s.identities.listByCustomer(first.customerId));
    expect(identities.map((i) => `${i.kind}:${i.value}`)).toContain(`crm:crm:${contact.id}`);
    expect(crm.made.map((m) => m.contactId)).toEqual([contact.id, contact.id]);
    // Again: nothing open, nothing logged twice.
    expect(await sync.syncCustomer('crm', first.customerId)).toMatchObject({ logged: 0 });
    expect(crm.made).toHaveLength(2);
    const facts = new CrmFacts(crmRegistry([{ instanceId: 'crm', crm }]), clock, 60);
    const shown = { instanceId: 'crm', system: 'crm', contactId: contact.id, name: 'Ann Lee', lifecycleStage: 'lead', url: contact.url, stale: false };
    expect(await facts.forIdentities(identities)).toEqual([expect.objectContaining(shown)]);
    clock.advance(30);
    expect(await facts.forIdentities(identities)).toEqual([expect.objectContaining(shown)]);
    expect(crm.reads).toBe(1);
    // Past the TTL the CRM is read again; when it fails, the cached facts are shown as stale.
    clock.advance(31);
    crm.readContacts = async () => {
      throw new CrmError('unavailable', 'HubSpot answered 503');
    };
    expect(await facts.forIdentities(identities)).toEqual([expect.objectContaining({ ...shown, stale: true, error: 'HubSpot answered 503' })]);
  });

  it('an answer lost after the CRM made the activity: the retry rechecks and records it, never a second one', async () => {
    const { contact } = await crm.upsertContact({ customerId: 'x', displayName: null }, [{ kind: 'email', value: 'bo@example.com' }]);
    const first = await say('bo@example.com', 'one');
    await say('bo@example.com', 'two');
    await relay.run();
    crm.loseNext = 1;
    await expect(sync.syncCustomer('crm', first.customerId)).rejects.toMatchObject({ code: 'unavailable' });
    expect(await statuses(first.customerId)).toMatchObject({ sending: 1, pending: 1, logged: 0 });
    // Backing off: a job before the backoff is over logs nothing (the head of the line waits), after it the sweep's job does.
    expect((await sweep.run(1000)).enqueued[CRM_JOBS.syncCustomer]).toBe(1);
    expect(await sync.syncCustomer('crm', first.customerId)).toMatchObject({ logged: 0, yielded: true });
    clock.advance(3);
    expect((await sweep.run(1000)).enqueued[CRM_JOBS.syncCustomer]).toBe(1);
    expect(await sync.syncCustomer('crm', first.customerId)).toMatchObject({ logged: 2 });
    expect(crm.rechecks).toBe(1);
    expect(crm.made.map((m) => m.contactId)).toEqual([contact.id, contact.id]);
    expect(await statuses(first.customerId)).toMatchObject({ logged: 2, sending: 0, pending: 0 });
  });

  it('gives up an entry after maxAttempts with the reason, and goes on with the next', async () => {
    await crm.upsertContact({ customerId: 'x', displayName: null }, [{ kind: 'email', value: 'cy@example.com' }]);
    const first = await say('cy@example.com');
    await relay.run();
    crm.refuse = new CrmError('unavailable', 'HubSpot answered 503');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      clock.advance(600);
      await sync.syncCustomer('crm', first.customerId).catch(() => undefined);
    }
    expect(await statuses(first.customerId)).toMatchObject({ dead: 1 });
    const [dead] = await store.read((s) => s.crmLog.listByStatus('crm', 'dead', 10));
    expect(dead).toMatchObject({ attempts: 3, lastError: 'crm: HubSpot answered 503' });
  });

  it('a refused token costs no attempt: nothing dies while it lasts, everything is logged once it is fixed', async () => {
    await crm.upsertContact({ customerId: 'x', displayName: null }, [{ kind: 'email', value: 'dee@example.com' }]);
    const first = await say('dee@example.com');
    await relay.run();
    crm.refuse = new CrmError('unauthorized', 'HubSpot refused the access token (401)');
    for (let attempt = 0; attempt < 10; attempt += 1) {
      clock.advance(11);
      await expect(sync.syncCustomer('crm', first.customerId)).rejects.toMatchObject({ code: 'unauthorized' });
    }
    expect(await statuses(first.customerId)).toMatchObject({ dead: 0, sending: 1 });
    crm.refuse = null;
    clock.advance(11);
    expect(await sync.syncCustomer('crm', first.customerId)).toMatchObject({ logged: 1 });
  });

  it('entries of a customer the CRM does not know wait unmatched, and go once the customer is linked', async () => {
    const first = await say('fay@example.com', 'before the CRM knew her');
    await relay.run();
    expect(await sync.syncCustomer('crm', first.customerId)).toMatchObject({ unmatched: 1, contactId: null });
    expect(crm.made).toHaveLength(0);
    const { contact } = await crm.upsertContact({ customerId: first.customerId, displayName: 'Fay' }, [{ kind: 'email', value: 'fay@example.com' }]);
    await say('fay@example.com', 'after');
    await relay.run();
    expect(await sync.syncCustomer('crm', first.customerId)).toMatchObject({ logged: 2, contactId: contact.id });
    expect(await statuses(first.customerId)).toMatchObject({ logged: 2, unmatched: 0 });
  });

  it('without crm-match in the rules, nothing is matched: entries stay unmatched', async () => {
    sync = new SyncCrm(store, clock, crmRegistry([{ instanceId: 'crm', crm }]), { rules: ['exact', 'shared-contact'] });
    await crm.upsertContact({ customerId: 'x', displayName: null }, [{ kind: 'email', value: 'eve@example.com' }]);
    const first = await say('eve@example.com');
    await relay.run();
    expect(await sync.syncCustomer('crm', first.customerId)).toMatchObject({ unmatched: 1, contactId: null });
    expect(crm.made).toHaveLength(0);
  });
});
