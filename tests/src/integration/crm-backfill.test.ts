import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubspotFake } from '@switchboard/crm-hubspot/testing';
import { createHub, loadHubConfig, type Hub } from '@switchboard/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, createTestDatabase, type TestDatabase } from '../harness/index.js';

const BIN = join(REPO_ROOT, 'apps', 'cli', 'bin', 'switchboard.js');
const ADMIN_KEY = 'crm-backfill-admin-key-0123456789abcdef';
const TOKEN = 'pat-na1-backfill';

const cli = (args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: '', ...env }, cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });

// History recorded before HubSpot was connected, then `switchboard crm backfill hubspot` as an
// operator runs it (a child process on the hub's database): every message, note and resolved
// conversation logged once; a second run logs nothing more.
describe('switchboard crm backfill hubspot', () => {
  let db: TestDatabase;
  let cwd: string;
  const fake = new HubspotFake({ token: TOKEN });
  let env: NodeJS.ProcessEnv;
  const conversations: string[] = [];

  const api = async (hub: Hub, method: string, path: string, body?: unknown) => {
    const response = await hub.fetch(
      new Request(`http://hub.test${path}`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
    );
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    [db] = await Promise.all([createTestDatabase(), fake.start()]);
    cwd = await mkdtemp(join(tmpdir(), 'sb-crm-backfill-'));
    env = { DATABASE_URL: db.url, SWITCHBOARD_ADMIN_KEY: ADMIN_KEY, SWITCHBOARD_DATA_DIR: join(cwd, 'data'), HUBSPOT_TOKEN: TOKEN, SWITCHBOARD_CONFIG: join(cwd, 'without-crm.yaml') };
    await writeFile(join(cwd, 'without-crm.yaml'), JSON.stringify({ plugins: [{ id: 'webhook', use: '@switchboard/channel-webhook', config: { channel: 'webhook' } }] }));
    await writeFile(
      join(cwd, 'switchboard.config.yaml'),
      JSON.stringify({
        hub: { identity: { rules: ['exact', 'shared-contact', 'crm-match'] } },
        plugins: [
          { id: 'webhook', use: '@switchboard/channel-webhook', config: { channel: 'webhook' } },
          { id: 'hubspot', use: '@switchboard/crm-hubspot', config: { accessToken: { env: 'HUBSPOT_TOKEN' }, apiBaseUrl: fake.url, createContacts: true } },
        ],
      }),
    );
    // The history, recorded by a hub without a CRM.
    const hubEnv = { ...process.env, ...env, LOG_LEVEL: 'silent' };
    const hub = await createHub(await loadHubConfig(hubEnv, cwd), { env: hubEnv, print: () => {} });
    await hub.start();
    try {
      const agent = (await api(hub, 'POST', '/v1/agents', { name: 'Ada' })).json['id'];
      for (const [n, email] of ['jo@example.com', 'kim@example.com', 'lu@example.com'].entries()) {
        for (let i = 0; i < 10; i += 1) {
          const sent = await api(hub, 'POST', '/v1/inbound', { channel: 'webhook', externalId: `old-${n}-${i}`, from: { kind: 'email', value: email }, text: `old message ${i}` });
          expect(sent.status).toBe(202);
          if (i === 0) conversations.push(String(sent.json['conversationId']));
        }
      }
      expect((await api(hub, 'POST', `/v1/conversations/${conversations[0]}/notes`, { agentId: agent, text: 'called back' })).status).toBe(201);
      expect((await api(hub, 'POST', `/v1/conversations/${conversations[0]}/resolve`, {})).status).toBe(200);
    } finally {
      await hub.stop(2000);
    }
    fake.addContact({ email: 'jo@example.com', firstname: 'Jo' });
  }, 180_000);

  afterAll(async () => {
    await Promise.all([fake.stop(), db?.drop(), rm(cwd, { recursive: true, force: true })]);
  });

  it('logs the whole history once, with progress, and a second run adds nothing', async () => {
    const withCrm = { ...env, SWITCHBOARD_CONFIG: join(cwd, 'switchboard.config.yaml') };
    const first = await cli(['crm', 'backfill', 'hubspot'], withCrm, cwd);
    expect(first.stderr).toContain('3/3 customers');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('hubspot: 32 entries in 3 conversations (32 new to the CRM log); 3 customers: 32 logged now, 0 without a CRM contact, 0 given up');
    // Jo was in HubSpot already; Kim and Lu were created.
    expect(fake.contacts.size).toBe(3);
    const jo = [...fake.contacts.values()].find((c) => c.properties.email === 'jo@example.com')!;
    const joNotes = fake.engagementsOf(jo.id, 'notes').map((n) => n.properties.hs_note_body ?? '');
    expect(fake.engagementsOf(jo.id, 'emails')).toHaveLength(10);
    expect(joNotes.filter((n) => n.includes('called back'))).toHaveLength(1);
    expect(joNotes.filter((n) => n.includes('conversation resolved'))).toHaveLength(1);
    expect(fake.engagements.size).toBe(32);

    const again = await cli(['crm', 'backfill', 'hubspot', '--json'], withCrm, cwd);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ instanceId: 'hubspot', entries: 32, added: 0, customers: 3, logged: 0, failed: [] });
    expect(fake.engagements.size).toBe(32);

    // A hub restored from an export starts with an empty CRM log: --recheck finds what HubSpot has.
    await db.pool.query('DELETE FROM crm_log');
    const restored = await cli(['crm', 'backfill', 'hubspot', '--recheck', '--json'], withCrm, cwd);
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ entries: 32, added: 32, logged: 32, failed: [] });
    expect(fake.engagements.size).toBe(32);

    const later = await cli(['crm', 'backfill', 'hubspot', '--since', '2999-01-01', '--json'], withCrm, cwd);
    expect(JSON.parse(later.stdout)).toMatchObject({ entries: 0, added: 0 });

    const wrong = await cli(['crm', 'backfill'], withCrm, cwd);
    expect(wrong.code).toBe(2);
    const unknown = await cli(['crm', 'backfill', 'nope'], withCrm, cwd);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no CRM plugin instance 'nope'");
  }, 240_000);
});
