// The migration's part of the Store contract: runs with their checkpoints, failures, the
// external-id map and the source states. Tests share one store, so each uses its own ids.
import { describe, expect, it } from 'vitest';
import type { LegacyMapping, MigrationRun } from '../migration/migration-run.entity.js';
import { emptyCounters } from '../migration/migration-run.entity.js';
import { newId } from '../shared/ids.js';
import type { Store } from '../store/store.port.js';
import { useMigratedStore, type StoreUnderTest } from './store.contract.js';

const T0 = new Date('2026-03-01T09:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const aRun = (source: string, overrides: Partial<MigrationRun> = {}): MigrationRun => ({
  id: newId(),
  source,
  system: null,
  mode: 'full',
  dryRun: false,
  sample: null,
  cutover: false,
  status: 'running',
  cancelRequested: false,
  checkpoint: { entity: 'user', cursor: null, watermark: null },
  startWatermark: null,
  counters: {},
  progress: { read: 0, total: 10, percent: 0, entity: 'user' },
  error: null,
  createdAt: T0,
  updatedAt: T0,
  finishedAt: null,
  ...overrides,
});

const aMapping = (system: string, id: number, overrides: Partial<LegacyMapping> = {}): LegacyMapping => ({
  externalId: `legacy:${system}:user:${id}`,
  system,
  entity: 'user',
  hubId: newId(),
  contentHash: 'a'.repeat(64),
  data: { joined: true },
  runId: newId(),
  updatedAt: T0,
  ...overrides,
});

export const runMigrationStoreContract = (name: string, makeStore: () => Promise<StoreUnderTest>): void => {
  describe(`Store contract, migrations: ${name}`, () => {
    const store = useMigratedStore(makeStore);

    it('keeps a run with its checkpoint and counters, lists newest first by source and status, and pages', async () => {
      const source = `src-${newId().slice(0, 8)}`;
      const runs = [aRun(source, { createdAt: at(1) }), aRun(source, { createdAt: at(2), status: 'done' }), aRun(source, { createdAt: at(3) })];
      await store().transaction(async (s) => {
        for (const run of runs) await s.migrationRuns.insert(run);
      });
      const first = runs[0]!;
      const moved: MigrationRun = {
        ...first,
        system: 'osticket',
        checkpoint: { entity: 'entry', cursor: 'entry:42', watermark: null, sample: { tickets: ['legacy:osticket:ticket:1'], users: [] } },
        counters: { user: { ...emptyCounters(), source: 3, read: 3, created: 3 } },
        updatedAt: at(10),
      };
      await store().transaction((s) => s.migrationRuns.update(moved));
      expect(await store().read((s) => s.migrationRuns.get(first.id))).toEqual(moved);
      expect(await store().read((s) => s.migrationRuns.get('not-a-uuid'))).toBeNull();
      const listed = await store().read((s) => s.migrationRuns.list({ source }, { limit: 2 }));
      expect(listed.items.map((r) => r.id)).toEqual([runs[2]!.id, runs[1]!.id]);
      const rest = await store().read((s) => s.migrationRuns.list({ source }, { limit: 2, cursor: listed.nextCursor ?? undefined }));
      expect(rest.items.map((r) => r.id)).toEqual([first.id]);
      expect(rest.nextCursor).toBeNull();
      const running = await store().read((s) => s.migrationRuns.list({ source, status: 'running' }, { limit: 10 }));
      expect(running.items.map((r) => r.id)).toEqual([runs[2]!.id, first.id]);
      const anyRunning = await store().read((s) => s.migrationRuns.listRunning(1000));
      expect(anyRunning.map((r) => r.id)).toEqual(expect.arrayContaining([first.id, runs[2]!.id]));
      expect(anyRunning.map((r) => r.id)).not.toContain(runs[1]!.id);
    });

    it('keeps failures in the order added, per run', async () => {
      const run = aRun(`src-${newId().slice(0, 8)}`);
      await store().transaction((s) => s.migrationRuns.insert(run));
      await store().transaction((s) =>
        s.migrationRuns.addFailures(run.id, [
          { entity: 'ticket', sourceId: '7', reason: "created: not a date ('0000-00-00')", outcome: 'failed' },
          { entity: 'entry', sourceId: '9', reason: 'changed in the source', outcome: 'skipped' },
        ]),
      );
      await store().transaction((s) => s.migrationRuns.addFailures(run.id, [{ entity: 'user', sourceId: '1', reason: 'email "x" left out', outcome: 'warning' }]));
      expect(await store().read((s) => s.migrationRuns.failures(run.id, 10))).toEqual([
        { entity: 'ticket', sourceId: '7', reason: "created: not a date ('0000-00-00')", outcome: 'failed' },
        { entity: 'entry', sourceId: '9', reason: 'changed in the source', outcome: 'skipped' },
        { entity: 'user', sourceId: '1', reason: 'email "x" left out', outcome: 'warning' },
      ]);
      expect(await store().read((s) => s.migrationRuns.failures(run.id, 1))).toHaveLength(1);
    });

    it('maps external ids idempotently: upsert replaces, counts per system and entity, finds by hub id', async () => {
      const system = `sys${newId().slice(0, 8)}`;
      const [a, b] = [aMapping(system, 1), aMapping(system, 2, { entity: 'ticket', externalId: `legacy:${system}:ticket:2` })];
      await store().transaction((s) => s.legacyMap.upsertMany([a!, b!]));
      const changed = { ...a!, contentHash: 'b'.repeat(64), data: {}, updatedAt: at(5) };
      await store().transaction((s) => s.legacyMap.upsertMany([changed]));
      const found = await store().read((s) => s.legacyMap.findMany([a!.externalId, b!.externalId, `legacy:${system}:user:404`]));
      expect(found.sort((x, y) => (x.externalId < y.externalId ? -1 : 1))).toEqual([b, changed].sort((x, y) => (x!.externalId < y!.externalId ? -1 : 1)));
      expect(await store().read((s) => s.legacyMap.count(system, 'user'))).toBe(1);
      expect(await store().read((s) => s.legacyMap.count(system, 'ticket'))).toBe(1);
      expect(await store().read((s) => s.legacyMap.findByHubId('ticket', b!.hubId!))).toEqual(b);
      expect(await store().read((s) => s.legacyMap.findByHubId('user', b!.hubId!))).toBeNull();
    });

    it('rolls the checkpoint and the map back together with the batch', async () => {
      const system = `sys${newId().slice(0, 8)}`;
      const run = aRun(system);
      await store().transaction((s) => s.migrationRuns.insert(run));
      await expect(
        store().transaction(async (s) => {
          await s.legacyMap.upsertMany([aMapping(system, 1)]);
          await s.migrationRuns.update({ ...run, checkpoint: { entity: 'user', cursor: 'user:1', watermark: null } });
          throw new Error('the batch failed');
        }),
      ).rejects.toThrow('the batch failed');
      expect((await store().read((s) => s.migrationRuns.get(run.id)))?.checkpoint).toEqual(run.checkpoint);
      expect(await store().read((s) => s.legacyMap.count(system, 'user'))).toBe(0);
    });

    it('keeps per-source state: watermark, retirement, last sync', async () => {
      const source = `src-${newId().slice(0, 8)}`;
      expect(await store().read((s) => s.migrationSources.get(source))).toBeNull();
      const state = { source, watermark: 'w1', retiredAt: null, lastRunId: newId(), lastSyncAt: null, updatedAt: T0 };
      await store().transaction((s) => s.migrationSources.put(state));
      const retired = { ...state, watermark: 'w2', retiredAt: at(60), lastSyncAt: at(30), updatedAt: at(60) };
      await store().transaction((s) => s.migrationSources.put(retired));
      expect(await store().read((s) => s.migrationSources.get(source))).toEqual(retired);
      expect((await store().read((s) => s.migrationSources.list())).filter((s) => s.source === source)).toEqual([retired]);
    });
  });
};
