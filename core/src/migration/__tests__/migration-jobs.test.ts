import { beforeEach, describe, expect, it } from 'vitest';
import { LegacyRecordSet, ReloadingLegacySource } from '../../plugin-api/legacy-record-set.js';
import { legacyExternalId, type LegacyRecord, type LegacyReply, type LegacySource } from '../../plugin-api/legacy-source.port.js';
import type { JobContribution } from '../../shared/jobs.js';
import type { StoreSession } from '../../store/store.port.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, anInteraction, aQueue, secondsAfter } from '../../testing/mothers.js';
import { MIGRATION_JOBS, STALE_RUN_MS, migrationJobs } from '../migration.jobs.js';
import { ManageMigrations } from '../use-cases/manage-migrations.use-case.js';
import { RunMigration } from '../use-cases/run-migration.use-case.js';

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute));
const records = (): LegacyRecord[] => [
  { entity: 'user', externalId: legacyExternalId('live', 'user', 1), name: 'Ann', identities: [{ kind: 'email', value: 'ann@example.com' }], attributes: {}, createdAt: at(1), updatedAt: at(1) },
  { entity: 'ticket', externalId: legacyExternalId('live', 'ticket', 1), userExternalId: legacyExternalId('live', 'user', 1), subject: 'Printer', status: 'open', channel: 'email', createdAt: at(2), updatedAt: at(2) },
];

/** A live legacy desk that takes replies back, recording them. */
const liveSource = () => {
  let data = records();
  let version = 0;
  const replies: LegacyReply[] = [];
  const files = new ReloadingLegacySource(async () => String(version), async () => new LegacyRecordSet('live', data), () => 'live');
  const source: LegacySource = {
    describe: () => files.describe(),
    read: (entity, cursor, limit) => files.read(entity, cursor, limit),
    changesSince: (watermark, limit) => files.changesSince(watermark, limit),
    testConnection: () => files.testConnection(),
    writeBack: async (reply) => {
      replies.push(reply);
      return { externalId: legacyExternalId('live', 'entry', 900 + replies.length) };
    },
  };
  return { source, replies, change: (next: LegacyRecord[]) => ((data = next), (version += 1)) };
};

describe('migration jobs', () => {
  const clock = aClock();
  let store: InMemoryStore;
  let live: ReturnType<typeof liveSource>;
  let manage: ManageMigrations;
  let jobs: Record<string, JobContribution<StoreSession>>;

  const sweep = (name: string, now: Date) => store.transaction((session) => jobs[name]!.sweep!({ now, bucket: 1, session }));
  const runJob = (name: string, payload: unknown) => jobs[name]!.run({ id: 'j', name, payload, attempt: 1 });

  beforeEach(async () => {
    store = new InMemoryStore();
    await store.transaction((s) => s.queues.insert(aQueue({ name: 'default', skills: {} })));
    live = liveSource();
    const sources = { find: (id: string) => (id === 'live' ? live.source : undefined), ids: () => ['live'] };
    manage = new ManageMigrations(store, sources, clock);
    const runner = new RunMigration(store, sources, clock, { batchSize: 10, openTickets: 'queue' });
    const list = migrationJobs({ store, clock, runner, manage, sources, sync: { live: 60 } });
    jobs = Object.fromEntries(list.map((j) => [j.name, j]));
  });

  it('starts a run from its migration.started event, and resumes only runs whose worker went quiet', async () => {
    const run = await manage.start({ source: 'live', mode: 'full' });
    const events = await store.read((s) => s.outbox.claimUndispatched(10));
    const planned = await jobs[MIGRATION_JOBS.run]!.plan!(events, { now: clock.now(), session: undefined as never });
    expect(planned).toEqual([{ name: MIGRATION_JOBS.run, payload: { runId: run.id }, jobId: `migration:run:${run.id}` }]);
    expect(await sweep(MIGRATION_JOBS.run, secondsAfter(run.updatedAt, 5))).toEqual([]);
    expect(await sweep(MIGRATION_JOBS.run, new Date(run.updatedAt.getTime() + STALE_RUN_MS))).toEqual([{ name: MIGRATION_JOBS.run, payload: { runId: run.id }, jobId: `migration:run:${run.id}:1` }]);
    await runJob(MIGRATION_JOBS.run, { runId: run.id });
    expect((await manage.get(run.id)).status).toBe('done');
    expect(await sweep(MIGRATION_JOBS.run, secondsAfter(clock.now(), 3600))).toEqual([]);
  });

  it('schedules deltas every interval while the source is live, and none once it is retired', async () => {
    expect(await sweep(MIGRATION_JOBS.sync, clock.now())).toEqual([]);
    await runJob(MIGRATION_JOBS.run, { runId: (await manage.start({ source: 'live', mode: 'full' })).id });
    const due = await sweep(MIGRATION_JOBS.sync, clock.now());
    expect(due).toEqual([{ name: MIGRATION_JOBS.sync, payload: { source: 'live' }, jobId: 'migration:sync:live:1' }]);
    live.change([...records(), { entity: 'ticket', externalId: legacyExternalId('live', 'ticket', 2), userExternalId: legacyExternalId('live', 'user', 1), subject: 'New', status: 'open', channel: 'web', createdAt: at(50), updatedAt: at(50) }]);
    await runJob(MIGRATION_JOBS.sync, { source: 'live' });
    const delta = (await manage.list({ source: 'live', status: 'running' }, { limit: 10 })).items.find((r) => r.mode === 'delta');
    expect(delta).toMatchObject({ mode: 'delta', status: 'running' });
    await runJob(MIGRATION_JOBS.run, { runId: delta!.id });
    expect((await manage.report(delta!.id)).entities['tickets']).toMatchObject({ created: 1, read: 1 });
    expect(await sweep(MIGRATION_JOBS.sync, secondsAfter(clock.now(), 30))).toEqual([]);
    expect(await sweep(MIGRATION_JOBS.sync, secondsAfter(clock.now(), 61))).toHaveLength(1);
    await runJob(MIGRATION_JOBS.run, { runId: (await manage.cutover('live')).id });
    expect(await sweep(MIGRATION_JOBS.sync, secondsAfter(clock.now(), 3600))).toEqual([]);
  });

  it("writes an agent's reply on an imported conversation back into the live source, and nothing once it is retired", async () => {
    await runJob(MIGRATION_JOBS.run, { runId: (await manage.start({ source: 'live', mode: 'full' })).id });
    const [ticket] = await store.read((s) => s.legacyMap.findMany([legacyExternalId('live', 'ticket', 1)]));
    const reply = anInteraction({ conversationId: ticket!.hubId!, direction: 'outbound', type: 'message', text: 'Fixed it', agentId: null });
    await store.transaction((s) => s.interactions.insert(reply));
    const planned = await jobs[MIGRATION_JOBS.writeBack]!.plan!(
      [{ id: 'e', event: { type: 'delivery.requested', interactionId: reply.id, attempt: 1 }, createdAt: clock.now(), dispatchedAt: null }],
      { now: clock.now(), session: undefined as never },
    );
    expect(planned).toEqual([{ name: MIGRATION_JOBS.writeBack, payload: { interactionId: reply.id }, jobId: `migration:write-back:${reply.id}` }]);
    await runJob(MIGRATION_JOBS.writeBack, { interactionId: reply.id });
    expect(live.replies).toEqual([expect.objectContaining({ interactionId: reply.id, ticketExternalId: legacyExternalId('live', 'ticket', 1), text: 'Fixed it' })]);
    await runJob(MIGRATION_JOBS.run, { runId: (await manage.cutover('live')).id });
    await runJob(MIGRATION_JOBS.writeBack, { interactionId: reply.id });
    expect(live.replies).toHaveLength(1);
  });
});
