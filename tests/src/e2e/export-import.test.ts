import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashApiKey } from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cleanup,
  HubClient,
  HubProcess,
  REPO_ROOT,
  baseEnv,
  createTestDatabase,
  newWebhookSecret,
  startWebhookReceiver,
  waitFor,
  type TestDatabase,
  type WebhookReceiver,
} from '../harness/index.js';
import { trackFailures } from '../harness/track-failures.js';

// Issue 11, item 7 (no lock-in): a hub filled through the public API is exported (GET /v1/export,
// and straight from its database), imported with `switchboard import` into fresh hubs on another
// PostgreSQL database and on PGlite, and reads back the same: counts, chains, timelines.

const CLI = join(REPO_ROOT, 'apps', 'cli', 'bin', 'switchboard.js');
const cleanup = new Cleanup();
const failures = trackFailures();

type Json = Record<string, unknown>;
const cli = (args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...baseEnv(), ...env }, timeout: 180_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });

const adminKey = () => `sb_admin_${randomBytes(18).toString('hex')}`;
let dir: string;
let sourceDb: TestDatabase;
let source: HubProcess;
let sourceEnv: Record<string, string>;
let api: HubClient;
let receiver: WebhookReceiver;
const signingSecret = newWebhookSecret();
const inboundSecret = newWebhookSecret();
const SOURCE_KEY = adminKey();
const PLUGIN_STATE_CANARY = `plugin-state-canary-${randomUUID()}`;
let exportFile: string;

const json = async (client: HubClient, path: string): Promise<Json> => {
  const response = await client.get(path);
  expect(response.status, `${path}: ${response.text}`).toBe(200);
  return response.body as Json;
};
const ok = async (client: HubClient, method: string, path: string, body?: unknown): Promise<Json> => {
  const response = await client.request(method, path, body ?? {});
  expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
  return response.body as Json;
};
const allPages = async (client: HubClient, path: string): Promise<Json[]> => {
  const items: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: Json = await json(client, `${path}${path.includes('?') ? '&' : '?'}limit=7${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    items.push(...(page['items'] as Json[]));
    cursor = (page['nextCursor'] as string | null) ?? null;
  } while (cursor !== null);
  return items;
};

/** Everything a client can read about the hub's data, for comparing two hubs. */
const snapshot = async (client: HubClient, customerIds: readonly string[]) => {
  const conversations = await allPages(client, '/v1/conversations');
  const views: Json = {};
  for (const c of conversations) {
    const id = String(c['id']);
    views[id] = { conversation: await json(client, `/v1/conversations/${id}`), verify: await json(client, `/v1/conversations/${id}/verify`) };
  }
  const customers: Json = {};
  for (const id of customerIds) {
    customers[id] = { customer: await json(client, `/v1/customers/${id}`), timeline: await allPages(client, `/v1/customers/${id}/timeline`) };
  }
  return {
    conversations,
    views,
    customers,
    ledger: await json(client, '/v1/ledger/verify'),
    queues: await allPages(client, '/v1/queues'),
    agents: await allPages(client, '/v1/agents'),
    suggestions: await allPages(client, '/v1/customers/merge-suggestions?status=pending'),
  };
};

const recordsOf = (text: string): string[] => text.trimEnd().split('\n').slice(1, -1);
const trailerOf = (text: string): Json => JSON.parse(text.trimEnd().split('\n').at(-1)!) as Json;

let customerIds: string[] = [];
let before: Awaited<ReturnType<typeof snapshot>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-export-'));
  cleanup.add('remove files', () => (failures.failed ? undefined : rm(dir, { recursive: true, force: true })));
  receiver = await startWebhookReceiver({ secret: signingSecret });
  cleanup.add('stop receiver', () => receiver.close());
  sourceDb = await createTestDatabase();
  cleanup.add('drop source database', () => sourceDb.drop());
  const config = join(dir, 'source.config.yaml');
  await writeFile(
    config,
    JSON.stringify({
      plugins: [
        {
          id: 'webhook',
          use: '@switchboard/channel-webhook',
          config: { channel: 'webhook', callbackUrl: receiver.url, signingSecret: { env: 'WEBHOOK_SIGNING_SECRET' }, inboundSecret: { env: 'WEBHOOK_INBOUND_SECRET' } },
        },
      ],
    }),
  );
  sourceEnv = {
    DATABASE_URL: sourceDb.url,
    SWITCHBOARD_ADMIN_KEY: SOURCE_KEY,
    SWITCHBOARD_CONFIG: config,
    SWITCHBOARD_DATA_DIR: join(dir, 'source-data'),
    WEBHOOK_SIGNING_SECRET: signingSecret,
    WEBHOOK_INBOUND_SECRET: inboundSecret,
  };
  source = await HubProcess.start({ role: 'all', name: 'source', env: sourceEnv, logDir: dir });
  cleanup.add('stop source hub', () => source.stop());
  api = new HubClient(source.baseUrl, SOURCE_KEY);

  // A queue and two agents, offline (as new agents start) while the customers write in.
  const billing = await ok(api, 'POST', '/v1/queues', { name: 'billing', skills: { billing: 2 }, strategy: 'best-skill', offerTimeoutSeconds: 600 });
  const ada = await ok(api, 'POST', '/v1/agents', { name: 'Ada Lovelace', email: 'ada@example.com', skills: { billing: 4, german: 2 }, capacity: { units: 100, perChannel: { webhook: 3 } }, desk: { slack: 'U0ADA', teams: '29:ada' } });
  await ok(api, 'POST', '/v1/agents', { name: 'Bob', skills: { billing: 1 } });
  const tag = randomUUID().slice(0, 8);
  const inbound = (body: Json) => ok(api, 'POST', '/v1/inbound', { externalId: `m-${randomUUID()}`, ...body });

  // Carl first; then Ann by email, naming Carl's address (a merge suggestion, never a silent merge),
  // then Ann on the webhook channel with the same address in other case: one customer.
  const carl = await inbound({ channel: 'email', from: { kind: 'email', value: `carl.${tag}@example.com`, name: 'Carl' }, text: 'Hello from Carl' });
  const ann = await inbound({ channel: 'email', from: { kind: 'email', value: `ann.${tag}@example.com`, name: 'Ann Ünïcode' }, subject: 'Order 1234', text: 'Where is my parcel? 📦', html: '<p>Where is my <b>parcel</b>?</p>' });
  await inbound({ channel: 'email', from: { kind: 'email', value: `ann.${tag}@example.com` }, identities: [{ kind: 'email', value: `carl.${tag}@example.com` }], text: 'Carl is my husband' });
  await inbound({ channel: 'webhook', from: { kind: 'email', value: `Ann.${tag}@Example.com` }, subject: 'Re: Order 1234', text: 'Any news?' });
  // Someone texting from a phone, later merged into Ann.
  const phone = await inbound({ channel: 'sms', from: { kind: 'phone', value: '+441632960961' }, text: 'This is Ann on my phone' });
  await ok(api, 'POST', `/v1/customers/${String(ann['customerId'])}/merge`, { from: phone['customerId'] });
  // Dora writes in, then is erased: tombstones in the ledger.
  const dora = await inbound({ channel: 'email', from: { kind: 'email', value: `dora.${tag}@example.com`, name: 'Dora Secret' }, subject: 'Dora private subject', text: 'Dora private text' });
  await ok(api, 'POST', `/v1/customers/${String(dora['customerId'])}/erase`);
  customerIds = [String(ann['customerId']), String(phone['customerId']), String(carl['customerId']), String(dora['customerId'])];

  // Carl's conversation is resolved; Ann's is routed to Ada, who accepts, notes and replies.
  await ok(api, 'POST', `/v1/conversations/${String(carl['conversationId'])}/resolve`);
  await ok(api, 'POST', `/v1/conversations/${String(ann['conversationId'])}/transfer`, { queueId: billing['id'] });
  await ok(api, 'PUT', `/v1/agents/${String(ada['id'])}/presence`, { status: 'available' });
  const offer = await waitFor(async () => ((await json(api, `/v1/agents/${String(ada['id'])}/offers`))['items'] as Json[])[0], { description: 'an offer for Ada', timeoutMs: 30_000 });
  await ok(api, 'POST', `/v1/offers/${String(offer['id'])}/accept`);
  await ok(api, 'POST', `/v1/conversations/${String(ann['conversationId'])}/notes`, { agentId: ada['id'], text: 'VIP: be kind' });
  const reply = await ok(api, 'POST', `/v1/conversations/${String(ann['conversationId'])}/replies`, { agentId: ada['id'], text: 'It ships today.' });
  await waitFor(async () => receiver.deliveries.some((d) => d.answered === 200) || undefined, { description: 'the reply delivered', timeoutMs: 30_000 });
  await waitFor(
    async () => (((await json(api, `/v1/conversations/${String(ann['conversationId'])}`))['interactions'] as Json[]).find((i) => i['id'] === reply['id'])?.['delivery'] as Json | undefined)?.['status'] === 'delivered' || undefined,
    { description: 'the delivery recorded', timeoutMs: 30_000 },
  );
  // Busy: no more offers, and nothing moves while the exports run.
  await ok(api, 'PUT', `/v1/agents/${String(ada['id'])}/presence`, { status: 'busy' });
  await sourceDb.pool.query(`INSERT INTO plugin_state (instance_id, key, value, updated_at) VALUES ('webhook', 'cursor', $1::jsonb, now())`, [JSON.stringify({ token: PLUGIN_STATE_CANARY })]);

  before = await snapshot(api, customerIds);
  // What the comparison covers: the reads are not empty.
  const annTimeline = (before.customers[customerIds[0]!] as { timeline: Json[] }).timeline;
  expect(annTimeline.map((i) => i['type'])).toEqual(expect.arrayContaining(['message', 'note', 'merge', 'assignment']));
  expect(annTimeline.find((i) => i['direction'] === 'outbound')?.['delivery']).toMatchObject({ status: 'delivered' });
  expect((before.customers[customerIds[3]!] as { timeline: Json[] }).timeline.map((i) => i['type'])).toContain('erasure');
  expect(before.conversations.length).toBeGreaterThanOrEqual(4);
  expect(before.suggestions).toHaveLength(1);
  expect(before.agents.find((a) => a['name'] === 'Ada Lovelace')).toMatchObject({ desk: { slack: 'U0ADA', teams: '29:ada' }, skills: { billing: 4, german: 2 } });
  exportFile = join(dir, 'hub.jsonl');
}, 300_000);

afterAll(() => cleanup.run(), 120_000);

/** A fresh hub: started once (default queue, admin key), stopped, filled by `switchboard import`, started again. */
const importInto = async (name: string, env: Record<string, string>, file: string) => {
  const first = await HubProcess.start({ role: 'all', name: `${name}-fresh`, env, logDir: dir });
  await first.stop();
  const imported = await cli(['import', file], env);
  const hub = await HubProcess.start({ role: 'all', name, env, logDir: dir });
  cleanup.add(`stop ${name}`, () => hub.stop());
  return { imported, hub, client: new HubClient(hub.baseUrl, env['SWITCHBOARD_ADMIN_KEY']!) };
};

describe('switchboard export → switchboard import', () => {
  it('exports through GET /v1/export and from the database alike, with no key, secret or plugin state in the file', async () => {
    const viaHttp = await cli(['export', '--url', source.baseUrl, '--out', exportFile], { SWITCHBOARD_API_KEY: SOURCE_KEY });
    expect(viaHttp.code, viaHttp.stderr).toBe(0);
    expect(viaHttp.stderr).toMatch(/^Exported \d+ records to .*hub\.jsonl/);
    const text = await readFile(exportFile, 'utf8');
    const direct = await cli(['export'], sourceEnv);
    expect(direct.code, direct.stderr).toBe(0);
    expect(recordsOf(direct.stdout)).toEqual(recordsOf(text));

    const header = JSON.parse(text.split('\n')[0]!) as Json;
    expect(header).toMatchObject({ type: 'header', format: 'switchboard.hub-export', formatVersion: 1 });
    const counts = trailerOf(text)['counts'] as Record<string, number>;
    expect(header['counts']).toEqual(counts);
    expect(counts).toMatchObject({ customer: 4, queue: 2, agent: 2, customer_merge: 1, merge_suggestion: 1 });
    expect(counts['interaction']).toBeGreaterThanOrEqual(10);
    expect(counts['delivery']).toBeGreaterThanOrEqual(1);
    const types = new Set(recordsOf(text).map((line) => (JSON.parse(line) as Json)['type']));
    expect([...types]).toEqual(expect.arrayContaining(['customer', 'identity', 'conversation', 'interaction', 'inbound_receipt', 'assignment', 'routing_decision']));

    for (const secret of [SOURCE_KEY, hashApiKey(SOURCE_KEY), signingSecret, inboundSecret, signingSecret.slice(6), PLUGIN_STATE_CANARY, 'sb_admin_', 'api_key']) {
      expect(text, 'no key, secret or plugin state').not.toContain(secret);
    }
    // Erased content stays erased: the tombstone travels, not the text.
    expect(text).not.toContain('Dora private');
    expect(text).not.toContain('Dora Secret');

    // Without the admin scope: 403, and nothing streamed.
    const reader = (await ok(api, 'POST', '/v1/api-keys', { name: 'reader', scopes: ['read'] })) as { key: string };
    const refused = await api.withKey(reader.key).get('/v1/export');
    expect(refused.status).toBe(403);
    const cliRefused = await cli(['export', '--url', source.baseUrl, '--out', join(dir, 'refused.jsonl')], { SWITCHBOARD_API_KEY: reader.key });
    expect(cliRefused.code).toBe(1);
    expect(cliRefused.stderr).toContain('/v1/export answered 403: This API key lacks the scope for this call');
    for (const name of ['refused.jsonl', 'refused.jsonl.partial']) await expect(readFile(join(dir, name))).rejects.toThrow(/ENOENT/);
    const answer = await fetch(`${source.baseUrl}/v1/export`, { headers: { authorization: `Bearer ${SOURCE_KEY}` } });
    expect(answer.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    await answer.body?.cancel();
  }, 120_000);

  it.each(['PostgreSQL', 'PGlite'])('imports into a fresh hub on %s: same counts, every chain verifies, same timelines and reads', async (engine) => {
    const key = adminKey();
    let env: Record<string, string> = { SWITCHBOARD_ADMIN_KEY: key, SWITCHBOARD_DATA_DIR: join(dir, `target-${engine}`) };
    if (engine === 'PostgreSQL') {
      const db = await createTestDatabase();
      cleanup.add(`drop ${engine} target`, () => db.drop());
      env = { ...env, DATABASE_URL: db.url };
    }
    const { imported, hub, client } = await importInto(`target-${engine}`, env, exportFile);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("queue(s) default were replaced by the file's");

    const after = await snapshot(client, customerIds);
    expect(after.ledger).toMatchObject({ ok: true, problems: [] });
    for (const view of Object.values(after.views) as Json[]) expect(view['verify']).toMatchObject({ ok: true });
    expect(after).toEqual(before);

    const again = await cli(['export', '--url', hub.baseUrl], { SWITCHBOARD_API_KEY: key });
    expect(again.code, again.stderr).toBe(0);
    const original = await readFile(exportFile, 'utf8');
    expect(trailerOf(again.stdout)['counts']).toEqual(trailerOf(original)['counts']);
    expect(recordsOf(again.stdout)).toEqual(recordsOf(original));

    // Importing again is refused: the hub holds data now.
    await hub.stop();
    const twice = await cli(['import', exportFile], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('the hub already holds data');
  }, 300_000);

  it('refuses a cut file and a damaged line with a clear message and writes nothing', async () => {
    const text = await readFile(exportFile, 'utf8');
    const lines = text.trimEnd().split('\n');
    const cut = join(dir, 'cut.jsonl');
    await writeFile(cut, `${lines.slice(0, Math.floor(lines.length / 2)).join('\n')}\n`);
    const damaged = join(dir, 'damaged.jsonl');
    const target = lines.findIndex((line) => line.includes('"type":"interaction"'));
    await writeFile(damaged, `${lines.map((line, i) => (i === target ? line.replace(/"digest":"[0-9a-f]+"/, '"digest":"0000"') : line)).join('\n')}\n`);
    const changed = join(dir, 'changed.jsonl');
    await writeFile(changed, `${lines.map((line, i) => (i === target ? line.replace('"seq":1', '"seq":7') : line)).join('\n')}\n`);

    const key = adminKey();
    const env = { SWITCHBOARD_ADMIN_KEY: key, SWITCHBOARD_DATA_DIR: join(dir, 'target-refusals') };
    const first = await HubProcess.start({ role: 'all', name: 'refusals-fresh', env, logDir: dir });
    await first.stop();

    const short = await cli(['import', cut], env);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain(`the file ends after line ${Math.floor(lines.length / 2)} without its trailer`);
    const bad = await cli(['import', damaged], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`line ${target + 1}: interaction: digest:`);
    const edited = await cli(['import', changed], env);
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain('the checksum does not match');
    const missing = await cli(['import', join(dir, 'no-such-file.jsonl')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ENOENT');

    // Nothing was written: the hub still exports empty (but for its own default queue).
    const empty = await cli(['export'], env);
    expect(empty.code, empty.stderr).toBe(0);
    expect(trailerOf(empty.stdout)['counts']).toMatchObject({ customer: 0, identity: 0, conversation: 0, interaction: 0, agent: 0, queue: 1 });
  }, 300_000);
});
