import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `switchboard migrate` as users run it: a child process on the hub's embedded store, with a CSV
// legacy source from the configuration file.
const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'switchboard.js');
const CSV_FIXTURES = fileURLToPath(new URL('../../../../plugins/import-csv/src/__tests__/fixtures', import.meta.url));

const cli = (args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: '', SWITCHBOARD_DATA_DIR: join(cwd, 'data'), SWITCHBOARD_CONFIG: join(cwd, 'switchboard.config.yaml') }, cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });

let cwd: string;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'sb-cli-migrate-'));
  await cp(CSV_FIXTURES, join(cwd, 'csv'), { recursive: true });
  await writeFile(join(cwd, 'switchboard.config.yaml'), `plugins:\n  - id: acme\n    use: "@switchboard/import-csv"\n    config: { mapping: ${JSON.stringify(join(cwd, 'csv', 'mapping.yaml'))} }\n`);
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

describe('switchboard migrate', () => {
  it('refuses wrong usage with exit 2', async () => {
    expect((await cli(['migrate', 'acme'], cwd)).code).toBe(2);
    expect((await cli(['migrate', 'acme', '--mode', 'sideways'], cwd)).code).toBe(2);
    expect((await cli(['migrate', '--mode', 'full'], cwd)).code).toBe(2);
    const unknown = await cli(['migrate', 'nope', '--mode', 'full'], cwd);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no legacy source 'nope'");
  }, 120_000);

  it('a dry run writes nothing; a full run ends with the summary and exit 1 when rows failed; a re-run adds nothing', async () => {
    const dry = await cli(['migrate', 'acme', '--mode', 'full', '--dry-run'], cwd);
    expect(dry.stdout).toContain('dry run, nothing written');
    const full = await cli(['migrate', 'acme', '--mode', 'full'], cwd);
    expect(full.stdout).toMatch(/Migration [0-9a-f-]{36}: done/);
    expect(full.stdout).toMatch(/^tickets\s+5\s+3\s+3\s+3\s+0\s+0\s+0\s+2\s+match/m);
    expect(full.stdout).toContain('created: not a date ("31.02.2020")');
    // The fixtures hold malformed rows: reported, and the exit code says so.
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/\d+% \d+\/\d+/);
    const json = await cli(['migrate', 'acme', '--mode', 'full', '--json'], cwd);
    const answer = JSON.parse(json.stdout) as { report: { entities: Record<string, { created: number; unchanged: number }> } };
    expect(answer.report.entities['entries']).toMatchObject({ created: 0 });
    expect(answer.report.entities['tickets']).toMatchObject({ created: 0, unchanged: 3 });
  }, 240_000);
});
