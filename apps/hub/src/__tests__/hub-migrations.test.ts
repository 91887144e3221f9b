import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FollowEvents } from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, spec, startHub, waitFor } from './hub-fixture.js';

// The migration API on a hub with two file sources (CSV with a mapping, a Zendesk export): runs go
// through the job queue to the worker, reports in JSON and CSV, progress on the event log, cutover.

const CSV_FIXTURES = fileURLToPath(new URL('../../../../plugins/import-csv/src/__tests__/fixtures', import.meta.url));
const ZENDESK_FIXTURES = fileURLToPath(new URL('../../../../plugins/import-zendesk/src/__tests__/fixtures', import.meta.url));

let hub: Awaited<ReturnType<typeof startHub>>;
let folder: string;

const finished = (id: string) =>
  waitFor(async () => {
    const run = await hub.call('GET', `/v1/migrations/${id}`);
    return run.json['status'] !== 'running' ? run.json : undefined;
  }, `migration ${id} to end`, 30_000);

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'sb-migrations-'));
  await cp(CSV_FIXTURES, join(folder, 'csv'), { recursive: true });
  await cp(ZENDESK_FIXTURES, join(folder, 'zendesk'), { recursive: true });
  hub = await startHub({
    callbackUrl: 'http://127.0.0.1:9/unused',
    migration: { batchSize: 3, openTickets: 'queue' },
    plugins: [
      spec('acme', '@switchboard/import-csv', { mapping: join(folder, 'csv', 'mapping.yaml') }),
      spec('zendesk', '@switchboard/import-zendesk', { directory: join(folder, 'zendesk') }),
      // Live side by side: a scheduled delta every 10 s once a full run has given it a watermark.
      { ...spec('zendesk-live', '@switchboard/import-zendesk', { directory: join(folder, 'zendesk') }), sync: { everySeconds: 10 } },
    ],
  });
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  await rm(folder, { recursive: true, force: true });
});

describe('migration API', () => {
  it('refuses bad requests with problem+json naming the field, and changes nothing', async () => {
    const unknown = await hub.call('POST', '/v1/migrations', { source: 'nope', mode: 'full' });
    expect(unknown.status).toBe(422);
    expect(unknown.type).toContain('application/problem+json');
    expect(JSON.stringify(unknown.json)).toContain('source');
    const demo = await hub.call('POST', '/v1/migrations', { source: 'acme', mode: 'demo' });
    expect(demo.status).toBe(422);
    expect(JSON.stringify(demo.json)).toContain('sample');
    expect((await hub.call('POST', '/v1/migrations', { source: 'acme', mode: 'sideways' })).status).toBe(422);
    const delta = await hub.call('POST', '/v1/migrations', { source: 'acme', mode: 'delta' });
    expect(delta.status).toBe(409);
    expect(delta.json['code']).toBe('MIGRATION.NO_FULL_RUN');
    expect((await hub.call('GET', '/v1/migrations/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await hub.call('GET', '/v1/migrations')).json.items).toEqual([]);
    expect((await hub.call('POST', '/v1/migrations', { source: 'acme', mode: 'full' }, null)).status).toBe(401);
  });

  it('runs a full import on the worker: 202, progress, report in JSON and CSV, conversations found by their source id', async () => {
    const started = await hub.call('POST', '/v1/migrations', { source: 'acme', mode: 'full' });
    expect(started.status).toBe(202);
    expect(started.json).toMatchObject({ source: 'acme', mode: 'full', dryRun: false, status: 'running' });
    const run = await finished(String(started.json['id']));
    expect(run).toMatchObject({ status: 'done', progress: { percent: 100 } });
    const report = await hub.call('GET', `/v1/migrations/${String(run['id'])}/report`);
    expect(report.status).toBe(200);
    const entities = report.json['entities'] as Record<string, Record<string, unknown>>;
    // The fixtures hold malformed rows: each is reported with its reason, the rest imported.
    expect(entities['organizations']).toMatchObject({ source: 2, hub: 2, created: 2 });
    expect(entities['users']).toMatchObject({ source: 4, hub: 3, created: 3, failed: 1 });
    expect(report.json['failures']).toEqual(
      expect.arrayContaining([
        { entity: 'users', sourceId: 'K4', reason: 'created: not a date ("31.02.2020")' },
        { entity: 'tickets', sourceId: '103', reason: 'customer_no: user "K9" is not in customers.csv' },
        { entity: 'entries', sourceId: '7', reason: 'case_no: ticket "999" is not in cases.csv (orphan entry)' },
      ]),
    );
    for (const name of ['users', 'tickets', 'entries']) {
      const c = entities[name] as Record<string, number>;
      expect(c['created']! + c['failed']!).toBe(c['source']);
      expect(c['hub']).toBe(c['created']);
    }
    expect(entities['entries']?.['checksum']).toEqual({ source: expect.stringMatching(/^[0-9a-f]{16}$/), hub: expect.stringMatching(/^[0-9a-f]{16}$/) });

    const csv = await hub.hub.fetch(new Request(`http://hub.test/v1/migrations/${String(run['id'])}/report`, { headers: { authorization: `Bearer ${ADMIN_KEY}`, accept: 'text/csv' } }));
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toBe('entity,source,hub,read,created,updated,unchanged,skipped,failed,checksum_source,checksum_hub');
    const tickets = entities['tickets'] as Record<string, number>;
    expect(lines.find((l) => l.startsWith('tickets,'))).toBe(
      `tickets,${tickets['source']},${tickets['hub']},${tickets['read']},${tickets['created']},0,0,0,${tickets['failed']},${String((entities['tickets']?.['checksum'] as { source: string }).source)},${String((entities['tickets']?.['checksum'] as { hub: string }).hub)}`,
    );
    expect(lines).toContain('failure,users,K4,"created: not a date (""31.02.2020"")"');

    const customer = await hub.call('GET', '/v1/customers?identity=legacy:acme-desk:user:K1');
    expect(customer.json.items?.[0]).toMatchObject({ attributes: { organization: expect.any(String), legacy: { system: 'acme-desk' } } });
    const found = await hub.call('GET', '/v1/conversations?externalRef=legacy:acme-desk:ticket:100');
    expect(found.status).toBe(200);
    expect(found.json.items).toHaveLength(1);
    const conversation = found.json.items![0]!;
    expect(conversation['status']).toBe('closed');
    expect((await hub.call('GET', `/v1/conversations/${String(conversation['id'])}/verify`)).json).toMatchObject({ ok: true });
    expect((await hub.call('GET', '/v1/conversations?externalRef=legacy:acme-desk:ticket:404')).json.items).toEqual([]);
    expect((await hub.call('GET', '/v1/conversations?externalRef=nonsense')).status).toBe(422);

    // Progress reached the event log that /v1/events follows.
    const events = hub.hub.container.get(FollowEvents);
    const logged = await waitFor(async () => {
      const found = await events.after(0, ['migration.started', 'migration.progress', 'migration.finished'], 500);
      return found.some((e) => e.type === 'migration.finished' && (e.event as { runId: string }).runId === run['id']) ? found : undefined;
    }, 'migration events');
    expect(logged.filter((e) => e.type === 'migration.progress' && (e.event as { runId: string }).runId === run['id']).length).toBeGreaterThan(3);

    const listed = await hub.call('GET', '/v1/migrations?source=acme');
    expect(listed.json.items?.map((r) => r['id'])).toContain(run['id']);
    const again = await hub.call('POST', `/v1/migrations/${String(run['id'])}/cancel`);
    expect(again.status).toBe(409);
  });

  it('imports a Zendesk export through the same runner, and a re-run adds nothing', async () => {
    const started = await hub.call('POST', '/v1/migrations', { source: 'zendesk', mode: 'full' });
    const run = await finished(String(started.json['id']));
    expect(run['status']).toBe('done');
    const counters = run['counters'] as Record<string, Record<string, number>>;
    expect(counters['staff']).toMatchObject({ source: 1, created: 1 });
    for (const name of ['users', 'tickets', 'entries']) {
      expect(counters[name]!['created']! + counters[name]!['failed']!).toBe(counters[name]!['source']);
      expect(counters[name]!['created']).toBeGreaterThan(0);
    }
    const report = (await hub.call('GET', `/v1/migrations/${String(run['id'])}/report`)).json;
    expect((report['failures'] as unknown[]).length).toBe(['users', 'tickets', 'entries'].reduce((n, name) => n + counters[name]!['failed']!, 0));
    const rerun = await finished(String((await hub.call('POST', '/v1/migrations', { source: 'zendesk', mode: 'full' })).json['id']));
    const after = rerun['counters'] as Record<string, Record<string, number>>;
    for (const name of ['users', 'tickets', 'entries']) expect(after[name]).toMatchObject({ created: 0, updated: 0 });
  });

  it('runs scheduled deltas for a source configured with sync, after its full run', async () => {
    const full = await finished(String((await hub.call('POST', '/v1/migrations', { source: 'zendesk-live', mode: 'full' })).json['id']));
    expect(full['status']).toBe('done');
    const delta = await waitFor(async () => {
      const runs = await hub.call('GET', '/v1/migrations?source=zendesk-live&limit=10');
      return runs.json.items?.find((r) => r['mode'] === 'delta' && r['status'] === 'done');
    }, 'a scheduled delta', 20_000);
    const counters = delta['counters'] as Record<string, Record<string, number>>;
    expect(counters['entries']).toMatchObject({ created: 0, failed: 0 });
  });

  it('cuts a source over: a final delta, then it shows retired in GET /v1/plugins and refuses runs', async () => {
    const before = await hub.call('GET', '/v1/plugins');
    expect(before.json.items?.find((p) => p['id'] === 'acme')).toMatchObject({ kinds: ['legacy'], retired: false });
    expect((await hub.call('POST', '/v1/plugins/webhook/cutover')).status).toBe(409);
    expect((await hub.call('POST', '/v1/plugins/nope/cutover')).status).toBe(404);
    const cut = await hub.call('POST', '/v1/plugins/acme/cutover');
    expect(cut.status).toBe(202);
    expect(cut.json).toMatchObject({ mode: 'delta', cutover: true });
    expect((await finished(String(cut.json['id'])))['status']).toBe('done');
    const after = await hub.call('GET', '/v1/plugins');
    expect(after.json.items?.find((p) => p['id'] === 'acme')).toMatchObject({ retired: true, retiredAt: expect.any(String) });
    expect(after.json.items?.find((p) => p['id'] === 'zendesk')).toMatchObject({ retired: false });
    const refused = await hub.call('POST', '/v1/migrations', { source: 'acme', mode: 'full' });
    expect(refused.status).toBe(409);
    expect(refused.json['code']).toBe('MIGRATION.SOURCE_RETIRED');
    // Its history is still served.
    expect((await hub.call('GET', '/v1/conversations?externalRef=legacy:acme-desk:ticket:101')).json.items).toHaveLength(1);
  });
});
