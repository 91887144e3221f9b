import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHub, loadHubConfig, type Hub } from '@switchboard/hub';
import { createTestDatabase, type TestDatabase } from '@switchboard/storage-postgres/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `switchboard agents link`: an admin binds an agent to its Slack/Teams user beside a running hub.
const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'switchboard.js');
const ADMIN_KEY = 'cli-agents-admin-key-0123456789abcdef';

const cli = (args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: '', ...env }, cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });

let cwd: string;
let database: TestDatabase;
let hub: Hub;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sb-cli-agents-'));
  database = await createTestDatabase();
  env = { DATABASE_URL: database.url, SWITCHBOARD_ADMIN_KEY: ADMIN_KEY, SWITCHBOARD_DATA_DIR: join(cwd, 'data') };
  const hubEnv = { ...process.env, ...env, LOG_LEVEL: 'silent' };
  hub = await createHub(await loadHubConfig(hubEnv, cwd), { env: hubEnv, print: () => {} });
  await hub.start();
}, 120_000);
afterAll(async () => {
  await hub?.stop(2000);
  await database?.drop();
  await rm(cwd, { recursive: true, force: true });
});

const agent = async (id: string) =>
  (await (await hub.fetch(new Request(`http://hub.test/v1/agents/${id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }))).json()) as { desk: Record<string, string> };

describe('switchboard agents', () => {
  it('links and unlinks desk users, refuses wrong usage and unknown agents, lists bindings', async () => {
    const created = await hub.fetch(
      new Request('http://hub.test/v1/agents', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada', desk: { teams: '29:ada' } }) }),
    );
    const { id } = (await created.json()) as { id: string };

    expect((await cli(['agents', 'link', id], env, cwd)).code).toBe(2);
    const ghost = await cli(['agents', 'link', '00000000-0000-4000-8000-000000000000', '--slack', 'U1'], env, cwd);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toContain('does not exist');

    const linked = await cli(['agents', 'link', id, '--slack', 'U0ADA', '--json'], env, cwd);
    expect(linked.code).toBe(0);
    expect(JSON.parse(linked.stdout)).toMatchObject({ id, desk: { slack: 'U0ADA', teams: '29:ada' } });
    expect((await agent(id)).desk).toEqual({ slack: 'U0ADA', teams: '29:ada' });

    const listed = await cli(['agents', 'list'], env, cwd);
    expect(listed.stdout).toMatch(/Ada.*U0ADA.*29:ada/);
    expect((await cli(['agents', 'link', id, '--teams', ''], env, cwd)).code).toBe(0);
    expect((await agent(id)).desk).toEqual({ slack: 'U0ADA' });
  }, 180_000);
});
