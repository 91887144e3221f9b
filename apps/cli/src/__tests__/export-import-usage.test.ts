import { describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';

// Wrong usage of export/import is answered with exit 2 and the usage, before any store is opened.
const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd: '/nonexistent' });
  return { code, stdout, stderr };
};

describe('switchboard export / import usage', () => {
  it('prints the usage with --help and in the general help', async () => {
    expect(await run(['export', '--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('switchboard import FILE') });
    expect((await run(['help'])).stdout).toContain('switchboard export [--out FILE] [--url URL]');
  });

  it('refuses wrong arguments with exit 2', async () => {
    expect(await run(['import'])).toMatchObject({ code: 2, stderr: expect.stringContaining('import: give exactly one export file') });
    expect(await run(['import-switchboard', 'a.jsonl', 'b.jsonl'])).toMatchObject({ code: 2 });
    expect(await run(['import', 'a.jsonl', '--batch-size', '0'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--batch-size') });
    expect(await run(['export', 'hub.jsonl'])).toMatchObject({ code: 2, stderr: expect.stringContaining('the file is given with --out') });
    expect(await run(['export', '--url', 'ftp://hub'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--url must be an http(s) URL') });
  });

  it('asks for the admin key before downloading from a hub', async () => {
    const result = await run(['export', '--url', 'http://127.0.0.1:9'], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('set SWITCHBOARD_API_KEY to an admin API key of that hub');
  });
});
