import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHub, loadHubConfig, type Hub } from '@switchboard/hub';
import { createTestDatabase, type TestDatabase } from '@switchboard/storage-postgres/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The switchboard command as users run it: a child process, on the hub's own database.
const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'switchboard.js');
const SLOW = 300_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const cli = (args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: '', ...env }, cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });

const startHub = async (env: NodeJS.ProcessEnv, cwd: string): Promise<Hub> => {
  const hubEnv = { ...process.env, ...env, LOG_LEVEL: 'silent' };
  const hub = await createHub(await loadHubConfig(hubEnv, cwd), { env: hubEnv, print: () => {} });
  await hub.start();
  return hub;
};

const offersOf = async (hub: Hub, agentId: string, key: string) =>
  hub.fetch(new Request(`http://hub.test/v1/agents/${agentId}/offers`, { headers: { authorization: `Bearer ${key}` } }));

const createAgent = async (hub: Hub, adminKey: string): Promise<string> => {
  const response = await hub.fetch(
    new Request('http://hub.test/v1/agents', { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada' }) }),
  );
  expect(response.status).toBe(201);
  return String(((await response.json()) as { id: string }).id);
};

const ADMIN_KEY = 'cli-test-admin-key-0123456789abcdef';
let cwd: string;

beforeAll(async () => {
  // No switchboard.config.yaml here: the CLI and the hub use their built-in defaults.
  cwd = await mkdtemp(join(tmpdir(), 'sb-cli-'));
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

describe('switchboard (usage)', () => {
  it('prints help with exit 0 and answers wrong usage with exit 2, touching no database', async () => {
    const env = { SWITCHBOARD_DATA_DIR: join(cwd, 'never') };
    const help = await cli(['--help'], env, cwd);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('switchboard keys create --name NAME --scopes');
    expect(help.stdout).toContain('Exit codes: 0 done, 1 failed, 2 wrong usage');
    const missing = await cli(['keys', 'create', '--name', 'x'], env, cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--scopes is required');
    expect((await cli(['frobnicate'], env, cwd)).code).toBe(2);
    expect((await cli(['keys', 'list', '--colour'], env, cwd)).code).toBe(2);
  }, SLOW);
});

describe('switchboard keys on the embedded store', () => {
  it('creates a key the hub accepts, lists it without its secret, refuses to run beside a hub, and revokes it', async () => {
    const env = { SWITCHBOARD_DATA_DIR: join(cwd, 'embedded'), SWITCHBOARD_ADMIN_KEY: ADMIN_KEY };
    const created = await cli(['keys', 'create', '--name', 'ops reader', '--scopes', 'read,agent', '--json'], env, cwd);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string; scopes: string[]; agentId: string | null };
    expect(key).toMatchObject({ scopes: ['read', 'agent'], agentId: null });
    expect(key.key).toMatch(/^sbk_[0-9a-f]{8}_/);

    const listed = await cli(['keys', 'list'], env, cwd);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(key.id);
    expect(listed.stdout).toContain('ops reader');
    expect(listed.stdout).not.toContain(key.key);

    const hub = await startHub(env, cwd);
    try {
      const agentId = await createAgent(hub, ADMIN_KEY);
      expect((await offersOf(hub, agentId, key.key)).status).toBe(200);
      // PGlite admits one process per data folder: the CLI says so instead of corrupting it.
      const beside = await cli(['keys', 'revoke', key.id], env, cwd);
      expect(beside.code).toBe(1);
      expect(beside.stderr).toMatch(/in use by process \d+ \(a running hub\?\).*DATABASE_URL/s);
    } finally {
      await hub.stop(2000);
    }

    const revoked = await cli(['keys', 'revoke', key.id, '--json'], env, cwd);
    expect(revoked.code).toBe(0);
    expect((JSON.parse(revoked.stdout) as { revokedAt: string | null }).revokedAt).not.toBeNull();
    const again = await startHub(env, cwd);
    try {
      const agentId = await createAgent(again, ADMIN_KEY);
      expect((await offersOf(again, agentId, key.key)).status).toBe(401);
    } finally {
      await again.stop(2000);
    }
  }, SLOW);
});

describe('switchboard on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('creates a key bound to an agent beside a running hub, which honours it at once and refuses it once revoked', async () => {
    const env = { DATABASE_URL: database.url, SWITCHBOARD_ADMIN_KEY: ADMIN_KEY, SWITCHBOARD_DATA_DIR: join(cwd, 'pg-side') };
    const hub = await startHub(env, cwd);
    try {
      const ada = await createAgent(hub, ADMIN_KEY);
      const other = await createAgent(hub, ADMIN_KEY);
      const unknownAgent = await cli(['keys', 'create', '--name', 'ghost', '--scopes', 'agent', '--agent', '00000000-0000-4000-8000-000000000000'], env, cwd);
      expect(unknownAgent.code).toBe(1);
      expect(unknownAgent.stderr).toContain('agentId: agent 00000000-0000-4000-8000-000000000000 does not exist');
      const asJson = await cli(['keys', 'create', '--name', 'ghost', '--scopes', 'agent,admin', '--agent', ada, '--json'], env, cwd);
      expect(asJson.code).toBe(1);
      expect(JSON.parse(asJson.stderr)).toMatchObject({ error: { code: 'API_KEY.ADMIN_BOUND', field: 'scopes' } });

      const created = await cli(['keys', 'create', '--name', 'ada desk', '--scopes', 'agent', '--agent', ada], env, cwd);
      expect(created.code).toBe(0);
      expect(created.stdout).toContain(`bound to agent ${ada}`);
      const secret = /^(sbk_\S+)$/m.exec(created.stdout)?.[1] ?? '';
      expect(secret).not.toBe('');
      expect((await offersOf(hub, ada, secret)).status).toBe(200);
      expect((await offersOf(hub, other, secret)).status).toBe(403);

      const listed = await cli(['keys', 'list', '--json'], env, cwd);
      expect(listed.code).toBe(0);
      const items = (JSON.parse(listed.stdout) as { items: { id: string; name: string; agentId: string | null; key?: string }[] }).items;
      const mine = items.find((k) => k.name === 'ada desk');
      expect(mine).toMatchObject({ agentId: ada });
      expect(mine?.key).toBeUndefined();
      expect(listed.stdout).not.toContain(secret);

      expect((await cli(['keys', 'revoke', mine?.id ?? ''], env, cwd)).code).toBe(0);
      const deadline = Date.now() + 8000;
      let status = 200;
      while (status !== 401 && Date.now() < deadline) {
        status = (await offersOf(hub, ada, secret)).status;
        if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(status).toBe(401);
      expect((await cli(['keys', 'revoke', '00000000-0000-4000-8000-000000000000'], env, cwd)).code).toBe(1);

      const plugins = await cli(['plugins', 'list', '--json'], env, cwd);
      expect(plugins.code).toBe(0);
      expect((JSON.parse(plugins.stdout) as { items: { id: string; health: { status: string } }[] }).items).toContainEqual(
        expect.objectContaining({ id: 'store', health: { status: 'up' } }),
      );
      expect((await cli(['plugins', 'test', 'store'], env, cwd)).stdout).toContain('store: ok');
      const unknown = await cli(['plugins', 'test', 'nope'], env, cwd);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain("no enabled plugin instance 'nope'");
    } finally {
      await hub.stop(2000);
    }
  }, SLOW);
});
