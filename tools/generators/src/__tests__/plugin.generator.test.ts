import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHub, loadHubConfig } from '@switchboard/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The generator as a newcomer runs it (`npx nx g …`), into a scratch copy of the workspace:
// the root files are copied, core and the installed packages linked, so nothing lands in the real tree.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const BIN = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const SLOW = 400_000;

const run = (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  new Promise<{ code: number; output: string }>((resolve) => {
    execFile(command, args, { cwd, env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0', NO_COLOR: '1', ...env }, timeout: 300_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, output: `${stdout}${stderr}` });
    });
  });

/** The workspace packages by name (`@switchboard/blob-fs` → plugins/blob-fs), read from the root's `workspaces`. */
const workspacePackages = async (): Promise<Map<string, string>> => {
  const { workspaces } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  const dirs: string[] = [];
  for (const pattern of workspaces) {
    if (!pattern.endsWith('/*')) dirs.push(join(ROOT, pattern));
    else for (const entry of await readdir(join(ROOT, pattern.slice(0, -2)), { withFileTypes: true })) if (entry.isDirectory()) dirs.push(join(ROOT, pattern.slice(0, -2), entry.name));
  }
  const found = new Map<string, string>();
  for (const dir of dirs) {
    const manifest = await readFile(join(dir, 'package.json'), 'utf8').catch(() => null);
    if (manifest !== null) found.set((JSON.parse(manifest) as { name: string }).name, dir);
  }
  return found;
};

/**
 * The scratch node_modules: every installed package linked from the root's, and every workspace
 * package linked from its folder as npm does, so built-in plugins (blob-fs, storage-postgres) resolve
 * from the scratch workspace even when the root's install predates one of them.
 */
const linkPackages = async (target: string): Promise<void> => {
  const workspace = await workspacePackages();
  const scopes = new Set([...workspace.keys()].filter((name) => name.startsWith('@')).map((name) => name.split('/')[0]));
  await mkdir(target);
  for (const entry of await readdir(join(ROOT, 'node_modules'))) {
    if (scopes.has(entry)) {
      await mkdir(join(target, entry));
      for (const inner of await readdir(join(ROOT, 'node_modules', entry))) {
        if (!workspace.has(`${entry}/${inner}`)) await symlink(join(ROOT, 'node_modules', entry, inner), join(target, entry, inner));
      }
    } else if (!workspace.has(entry)) {
      await symlink(join(ROOT, 'node_modules', entry), join(target, entry));
    }
  }
  for (const [name, dir] of workspace) {
    await mkdir(dirname(join(target, name)), { recursive: true });
    await symlink(dir, join(target, name));
  }
};

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sb-generator-'));
  for (const file of ['package.json', 'nx.json', 'tsconfig.base.json']) await copyFile(join(ROOT, file), join(scratch, file));
  await writeFile(join(scratch, 'tsconfig.json'), JSON.stringify({ files: [], references: [] }));
  await linkPackages(join(scratch, 'node_modules'));
  await symlink(join(ROOT, 'core'), join(scratch, 'core'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const KINDS = [
  { name: 'fax', kind: 'channel', adapter: 'fax-channel', port: 'Channel', contract: 'runChannelContract', tests: 6 },
  { name: 'pager-duty', kind: 'desk', adapter: 'pager-duty-agent-desk', port: 'AgentDesk', contract: 'runAgentDeskContract', tests: 6 },
  { name: 'acme', kind: 'crm', adapter: 'acme-crm-connector', port: 'CrmConnector', contract: 'runCrmConnectorContract', tests: 8 },
  { name: 'old-desk', kind: 'legacy', adapter: 'old-desk-legacy-source', port: 'LegacySource', contract: 'runLegacySourceContract', tests: 6 },
] as const;

describe('nx g @switchboard/tools:plugin', () => {
  it('scaffolds a plugin of each kind that type-checks and passes its kind\'s contract suite and manifest tests', async () => {
    for (const { name, kind } of KINDS) {
      const generated = await run(BIN('nx'), ['g', '@switchboard/tools:plugin', name, '--kind', kind], scratch);
      expect(generated.output).toContain(`CREATE plugins/${kind}-${name}/src/index.ts`);
      expect(generated.code).toBe(0);
    }
    for (const { name, kind, adapter, port, contract } of KINDS) {
      const dir = join(scratch, 'plugins', `${kind}-${name}`, 'src');
      expect(await readFile(join(dir, `${adapter}.ts`), 'utf8')).toMatch(new RegExp(`export class \\w+${port} implements ${port}\\b`));
      expect(await readFile(join(dir, '__tests__', `${adapter}.contract.test.ts`), 'utf8')).toContain(contract);
      const manifest = await readFile(join(dir, `${kind}-${name}.plugin.ts`), 'utf8');
      expect(manifest).toContain("apiKey: secret(z.string()");
      expect(manifest).not.toContain('secrets:');
    }
    const rootTsconfig = JSON.parse(await readFile(join(scratch, 'tsconfig.json'), 'utf8')) as { references: { path: string }[] };
    expect(rootTsconfig.references.map((r) => r.path)).toEqual(KINDS.map(({ name, kind }) => `plugins/${kind}-${name}`));

    // A second run must not overwrite the author's work.
    expect((await run(BIN('nx'), ['g', '@switchboard/tools:plugin', 'fax', '--kind', 'channel'], scratch)).code).not.toBe(0);

    const typecheck = await run(BIN('tsc'), ['-b', 'tsconfig.json'], scratch);
    expect(typecheck.output).toBe('');
    expect(typecheck.code).toBe(0);

    const tests = await run(BIN('vitest'), ['run', '--root', 'plugins'], scratch);
    for (const { adapter, tests: count } of KINDS) expect(tests.output).toMatch(new RegExp(`${adapter}\\.contract\\.test\\.ts \\(${count} tests\\)`));
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
        '  - id: acme',
        '    use: ./plugins/crm-acme',
        '    config:',
        '      apiKey: { env: ACME_API_KEY }',
        '  - id: old-desk',
        '    use: ./plugins/legacy-old-desk',
        '    config:',
        '      apiKey: { env: OLD_DESK_API_KEY }',
        '',
      ].join('\n'),
    );
    await writeFile(join(scratch, 'pager.secret'), 'pager-secret\n');
    const env = {
      ...process.env,
      FAX_API_KEY: 'fax-secret',
      ACME_API_KEY: 'acme-secret',
      OLD_DESK_API_KEY: 'old-desk-secret',
      SWITCHBOARD_ADMIN_KEY: 'generator-test-admin-key-0123456789',
      LOG_LEVEL: 'silent',
    };
    const hub = await createHub(await loadHubConfig(env, scratch), { env, print: () => {} });
    await hub.start();
    try {
      const response = await hub.fetch(new Request('http://hub.test/v1/plugins', { headers: { authorization: `Bearer ${env.SWITCHBOARD_ADMIN_KEY}` } }));
      const text = await response.text();
      expect(response.status).toBe(200);
      const items = (JSON.parse(text) as { items: { id: string; name: string; kinds: string[]; health: { status: string } }[] }).items;
      for (const [id, name, kind] of [
        ['fax', '@switchboard/channel-fax', 'channel'],
        ['pager', '@switchboard/desk-pager-duty', 'desk'],
        ['acme', '@switchboard/crm-acme', 'crm'],
        ['old-desk', '@switchboard/legacy-old-desk', 'legacy'],
      ] as const) {
        expect(items).toContainEqual(expect.objectContaining({ id, name, kinds: [kind], health: expect.objectContaining({ status: 'up' }) }));
      }
      // The built-in blob store is loaded alongside, resolved from the scratch workspace.
      expect(items).toContainEqual(expect.objectContaining({ id: 'blobs', name: '@switchboard/blob-fs' }));
      // secrets never leave the hub
      for (const secretValue of ['fax-secret', 'pager-secret', 'acme-secret', 'old-desk-secret']) expect(text).not.toContain(secretValue);
    } finally {
      await hub.stop(2000);
    }

    // A missing secret fails the boot, naming the plugin and the field.
    const { FAX_API_KEY: _dropped, ...without } = env;
    await expect(loadHubConfig(without, scratch).then((config) => createHub(config, { env: without, print: () => {} }))).rejects.toThrow(/fax.*config\.apiKey.*FAX_API_KEY/);

    // The secret() mark makes the hub refuse an apiKey written inline.
    const inline = (await readFile(join(scratch, 'switchboard.config.yaml'), 'utf8')).replace('apiKey: { env: ACME_API_KEY }', 'apiKey: acme-inline-secret');
    await writeFile(join(scratch, 'switchboard.config.yaml'), inline);
    const refused = loadHubConfig(env, scratch).then((config) => createHub(config, { env, print: () => {} }));
    await expect(refused).rejects.toThrow(/acme.*config\.apiKey.*by reference/);
    await expect(refused).rejects.not.toThrow(/acme-inline-secret/);
  }, SLOW);
});
