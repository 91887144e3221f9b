import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHub, loadHubConfig } from '@switchboard/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The generator as a newcomer runs it (`npx nx g …`), into a scratch copy of the workspace:
// the root files are copied, core and node_modules linked, so nothing lands in the real tree.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const BIN = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const SLOW = 400_000;

const run = (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  new Promise<{ code: number; output: string }>((resolve) => {
    execFile(command, args, { cwd, env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0', NO_COLOR: '1', ...env }, timeout: 300_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, output: `${stdout}${stderr}` });
    });
  });

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sb-generator-'));
  for (const file of ['package.json', 'nx.json', 'tsconfig.base.json']) await copyFile(join(ROOT, file), join(scratch, file));
  await writeFile(join(scratch, 'tsconfig.json'), JSON.stringify({ files: [], references: [] }));
  await symlink(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
  await symlink(join(ROOT, 'core'), join(scratch, 'core'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('nx g @switchboard/tools:plugin', () => {
  it('scaffolds a plugin of each kind that type-checks and passes its tests; the channel runs the channel contract', async () => {
    for (const [name, kind] of [['fax', 'channel'], ['pager-duty', 'desk'], ['acme', 'crm'], ['old-desk', 'legacy']] as const) {
      const generated = await run(BIN('nx'), ['g', '@switchboard/tools:plugin', name, '--kind', kind], scratch);
      expect(generated.output).toContain(`CREATE plugins/${kind}-${name}/src/index.ts`);
      expect(generated.code).toBe(0);
    }
    const channel = await readFile(join(scratch, 'plugins/channel-fax/src/fax-channel.ts'), 'utf8');
    expect(channel).toContain('export class FaxChannel implements Channel');
    expect(await readFile(join(scratch, 'plugins/desk-pager-duty/src/pager-duty-agent-desk.ts'), 'utf8')).toContain('export class PagerDutyAgentDesk implements AgentDesk');
    expect(await readFile(join(scratch, 'plugins/channel-fax/src/__tests__/fax-channel.contract.test.ts'), 'utf8')).toContain('runChannelContract');
    const index = await readFile(join(scratch, 'plugins/channel-fax/src/channel-fax.plugin.ts'), 'utf8');
    expect(index).toContain("secrets: ['apiKey']");
    const rootTsconfig = JSON.parse(await readFile(join(scratch, 'tsconfig.json'), 'utf8')) as { references: { path: string }[] };
    expect(rootTsconfig.references.map((r) => r.path)).toEqual(['plugins/channel-fax', 'plugins/desk-pager-duty', 'plugins/crm-acme', 'plugins/legacy-old-desk']);

    // A second run must not overwrite the author's work.
    expect((await run(BIN('nx'), ['g', '@switchboard/tools:plugin', 'fax', '--kind', 'channel'], scratch)).code).not.toBe(0);

    const typecheck = await run(BIN('tsc'), ['-b', 'tsconfig.json'], scratch);
    expect(typecheck.output).toBe('');
    expect(typecheck.code).toBe(0);

    const tests = await run(BIN('vitest'), ['run', '--root', 'plugins'], scratch);
    expect(tests.output).toMatch(/fax-channel\.contract\.test\.ts \(4 tests\)/);
    expect(tests.output).toMatch(/Test Files\s+8 passed/);
    expect(tests.code).toBe(0);
  }, SLOW);

  it('loads the generated plugins in a hub from a configuration file', async () => {
    await writeFile(
      join(scratch, 'switchboard.config.yaml'),
      [
        'plugins:',
        '  - id: store',
        "    use: '@switchboard/storage-postgres'",
        "    config: { dataDir: 'memory://' }",
        '  - id: fax',
        '    use: ./plugins/channel-fax',
        '    config:',
        '      apiKey: { env: FAX_API_KEY }',
        '  - id: pager',
        '    use: ./plugins/desk-pager-duty',
        '    config:',
        '      apiKey: { file: ./pager.secret }',
        '',
      ].join('\n'),
    );
    await writeFile(join(scratch, 'pager.secret'), 'pager-secret\n');
    const env = { ...process.env, FAX_API_KEY: 'fax-secret', SWITCHBOARD_ADMIN_KEY: 'generator-test-admin-key-0123456789', LOG_LEVEL: 'silent' };
    const hub = await createHub(await loadHubConfig(env, scratch), { env, print: () => {} });
    await hub.start();
    try {
      const response = await hub.fetch(new Request('http://hub.test/v1/plugins', { headers: { authorization: `Bearer ${env.SWITCHBOARD_ADMIN_KEY}` } }));
      const text = await response.text();
      expect(response.status).toBe(200);
      const items = (JSON.parse(text) as { items: { id: string; name: string; kinds: string[]; health: { status: string } }[] }).items;
      expect(items).toContainEqual(expect.objectContaining({ id: 'fax', name: '@switchboard/channel-fax', kinds: ['channel'], health: expect.objectContaining({ status: 'up' }) }));
      expect(items).toContainEqual(expect.objectContaining({ id: 'pager', name: '@switchboard/desk-pager-duty', kinds: ['desk'], health: expect.objectContaining({ status: 'up' }) }));
      // secrets never leave the hub
      expect(text).not.toContain('fax-secret');
      expect(text).not.toContain('pager-secret');
    } finally {
      await hub.stop(2000);
    }

    // A missing secret fails the boot, naming the plugin and the field.
    const { FAX_API_KEY: _dropped, ...without } = env;
    await expect(loadHubConfig(without, scratch).then((config) => createHub(config, { env: without, print: () => {} }))).rejects.toThrow(/fax.*config\.apiKey.*FAX_API_KEY/);
  }, SLOW);
});
