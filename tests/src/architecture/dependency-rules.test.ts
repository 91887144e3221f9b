import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const depcruise = join(repo, 'node_modules/.bin/depcruise');
const config = join(repo, '.dependency-cruiser.cjs');

// The architecture rules run on a small tree that breaks each of them, and on the real tree.
describe('architecture rules (dependency-cruiser)', () => {
  let fixture: string;

  beforeAll(async () => {
    fixture = await mkdtemp(join(tmpdir(), 'sb-arch-'));
    const files: Record<string, string> = {
      'tsconfig.base.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }),
      'core/src/ok.ts': "import { createHash } from 'node:crypto';\nexport const ok = createHash;\n",
      'core/src/uses-typeorm.ts': "import { DataSource } from 'typeorm';\nexport const a = DataSource;\n",
      'core/src/uses-hono.ts': "import { Hono } from 'hono';\nexport const b = Hono;\n",
      'core/src/reads-files.ts': "import { readFile } from 'node:fs/promises';\nexport const c = readFile;\n",
      'core/src/uses-plugin.ts': "import { d } from '../../plugins/alpha/src/index.js';\nexport const e = d;\n",
      'plugins/alpha/src/index.ts': "export const d = 1;\n",
      // The rooms of core: each file below breaks one room rule.
      'core/src/routing/queue.entity.ts': "export const q = 1;\n",
      'core/src/routing/use-cases/route.use-case.ts': "export const r = 1;\n",
      'core/src/identity/customer.entity.ts': "export const c = 1;\n",
      'core/src/shared/uses-routing.ts': "import { q } from '../routing/queue.entity.js';\nexport const s = q;\n",
      'core/src/ledger/uses-routing.ts': "import { q } from '../routing/queue.entity.js';\nexport const l = q;\n",
      'core/src/routing/uses-identity.ts': "import { c } from '../identity/customer.entity.js';\nexport const ri = c;\n",
      'core/src/identity/uses-routing.ts': "import { q } from '../routing/queue.entity.js';\nexport const ir = q;\n",
      'core/src/store/uses-use-case.ts': "import { r } from '../routing/use-cases/route.use-case.js';\nexport const st = r;\n",
      'core/src/plugin-api/uses-use-case.ts': "import { r } from '../routing/use-cases/route.use-case.js';\nexport const pa = r;\n",
      'core/src/desk/uses-testing.ts': "import { m } from '../testing/mothers.js';\nexport const dt = m;\n",
      'core/src/testing/mothers.ts': "export const m = 1;\n",
      'core/src/portability/uses-use-case.ts': "import { r } from '../routing/use-cases/route.use-case.js';\nexport const pu = r;\n",
      'core/src/portability/ok-entities.ts': "import { q } from '../routing/queue.entity.js';\nimport { c } from '../identity/customer.entity.js';\nexport const po = [q, c];\n",
      // Orchestrators may reach across areas.
      'core/src/inbound/ok-orchestrator.ts': "import { q } from '../routing/queue.entity.js';\nimport { c } from '../identity/customer.entity.js';\nexport const io = [q, c];\n",
      'plugins/beta/src/index.ts': "import { d } from '../../alpha/src/index.js';\nexport const f = d;\n",
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(fixture, path)), { recursive: true });
      await writeFile(join(fixture, path), text);
    }
  });

  afterAll(async () => {
    await rm(fixture, { recursive: true, force: true });
  });

  it('names every broken rule in a tree that breaks them', async () => {
    const failure = await run(depcruise, ['core', 'plugins', '--config', config, '--output-type', 'err'], { cwd: fixture }).then(
      () => null,
      (error: { stdout: string; code: number }) => error,
    );
    expect(failure?.code).toBeGreaterThan(0);
    const output = failure?.stdout ?? '';
    expect(output).toMatch(/core-imports-no-io-or-framework: core\/src\/uses-typeorm\.ts → typeorm/);
    expect(output).toMatch(/core-imports-no-io-or-framework: core\/src\/uses-hono\.ts → hono/);
    expect(output).toMatch(/core-imports-no-node-io: core\/src\/reads-files\.ts → fs\/promises/);
    expect(output).toMatch(/core-imports-no-plugin-or-app: core\/src\/uses-plugin\.ts/);
    expect(output).toMatch(/plugin-imports-no-other-plugin: plugins\/beta\/src\/index\.ts → plugins\/alpha/);
    expect(output).toMatch(/shared-imports-no-area: core\/src\/shared\/uses-routing\.ts/);
    expect(output).toMatch(/ledger-imports-no-other-area: core\/src\/ledger\/uses-routing\.ts/);
    expect(output).toMatch(/routing-builds-only-on-ledger: core\/src\/routing\/uses-identity\.ts/);
    expect(output).toMatch(/identity-and-access-import-only-shared: core\/src\/identity\/uses-routing\.ts/);
    expect(output).toMatch(/store-assembles-only-ports: core\/src\/store\/uses-use-case\.ts/);
    expect(output).toMatch(/plugin-api-exposes-ports-and-types-only: core\/src\/plugin-api\/uses-use-case\.ts/);
    expect(output).toMatch(/only-tests-import-testing: core\/src\/desk\/uses-testing\.ts/);
    expect(output).toMatch(/portability-moves-rows-not-rules: core\/src\/portability\/uses-use-case\.ts/);
    expect(output).not.toMatch(/core\/src\/portability\/ok-entities\.ts/);
    expect(output).not.toMatch(/core\/src\/ok\.ts/);
    expect(output).not.toMatch(/core\/src\/inbound\/ok-orchestrator\.ts/);
  }, 60_000);

  it('passes on the project itself', async () => {
    const result = await run(depcruise, ['core', 'plugins', 'apps', '--config', config, '--output-type', 'err'], { cwd: repo });
    expect(result.stdout).toMatch(/no dependency violations found/);
  }, 120_000);
});
