import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HubClient, HubProcess, InboundAnswer, REPO_ROOT } from '../harness/index.js';
import { trackFailures } from '../harness/track-failures.js';

// The embedded default: no DATABASE_URL, no REDIS_URL, no configuration file, one process.

const KEY_LINE = /admin API key[^:\n]*:\s*(\S+)/gi;

const printedKeys = (output: string): string[] => [...output.matchAll(KEY_LINE)].map((match) => match[1] ?? '');

const OpenApiDocument = z.looseObject({ openapi: z.string().optional(), paths: z.record(z.string(), z.unknown()) });

const dataDir = mkdtempSync(join(tmpdir(), 'sb-embedded-'));
const started: HubProcess[] = [];
const failures = trackFailures();

afterAll(async () => {
  await Promise.all(started.map((hub) => hub.stop()));
  rmSync(dataDir, { recursive: true, force: true });
  if (!failures.failed) for (const hub of started) hub.removeFiles();
}, 60_000);

const startHub = async (): Promise<HubProcess> => {
  // Only the data folder: the hub must pick the embedded store, the in-process queue and a generated key.
  const hub = await HubProcess.start({ role: 'all', name: `embedded-${started.length + 1}`, env: { SWITCHBOARD_DATA_DIR: dataDir } });
  started.push(hub);
  return hub;
};

const withOutput = async (hub: HubProcess, fn: () => Promise<void>): Promise<void> => {
  try {
    await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n\n--- hub ---\n${hub.describe()}`, { cause: error });
  }
};

describe('embedded default (PGlite in the data folder, in-process queue)', () => {
  it('serves docs, prints the admin key once, and keeps its data across a restart', async () => {
    // A configuration file in the working directory would be picked up and change the set-up.
    expect(existsSync(join(REPO_ROOT, 'switchboard.config.yaml')), 'no switchboard.config.yaml in the repository root').toBe(false);

    const first = await startHub();
    let key = '';
    let customerId = '';
    await withOutput(first, async () => {
      const anonymous = new HubClient(first.baseUrl, null);
      expect((await anonymous.get('/healthz')).status).toBe(200);
      expect((await anonymous.get('/readyz')).status).toBe(200);

      const openapi = await anonymous.get('/openapi.json');
      expect(openapi.status).toBe(200);
      expect(openapi.contentType).toMatch(/json/);
      const document = OpenApiDocument.parse(openapi.body);
      expect(Object.keys(document.paths)).toContain('/v1/inbound');

      const docs = await anonymous.get('/docs', { headers: { accept: 'text/html' } });
      expect(docs.status).toBe(200);
      expect(docs.contentType).toMatch(/text\/html/);
      expect(docs.text).toMatch(/<html/i);

      const keys = printedKeys(first.output());
      expect(keys, 'the first start prints one admin key').toHaveLength(1);
      key = keys[0] ?? '';
      expect(key.length).toBeGreaterThanOrEqual(16);
      // Shown once: not repeated in any other log line.
      expect(first.output().split(key).length - 1).toBe(1);

      const hub = new HubClient(first.baseUrl, key);
      const { items } = await hub.plugins();
      expect(items.find((plugin) => plugin.kinds.includes('storage'))?.use).toBe('@switchboard/storage-postgres');
      expect(items.find((plugin) => plugin.kinds.includes('queue'))?.use).toBe('@switchboard/queue-local');
      for (const plugin of items) expect(plugin.health.status, JSON.stringify(plugin)).toBe('up');

      const posted = await hub.post('/v1/inbound', {
        channel: 'webhook',
        externalId: 'embedded-1',
        from: { kind: 'email', value: 'Bob@Example.com' },
        text: 'Hello from the embedded hub',
      });
      expect(posted.status, posted.text).toBe(202);
      customerId = InboundAnswer.parse(posted.body).customerId;
    });

    const stopped = await first.stop();
    expect(stopped, 'graceful shutdown on SIGTERM').toEqual({ code: 0, signal: null });

    const second = await startHub();
    await withOutput(second, async () => {
      expect(printedKeys(second.output()), 'the key is not printed again').toEqual([]);
      expect(second.output()).not.toContain(key);

      // The key printed on the first start still works: it was stored (hashed) in the data folder.
      const hub = new HubClient(second.baseUrl, key);
      const found = await hub.findCustomers('email:bob@example.com');
      expect(found.items.map((customer) => customer.id)).toEqual([customerId]);
      const customer = await hub.customer(customerId);
      expect(customer.identities).toContainEqual(expect.objectContaining({ kind: 'email', value: 'bob@example.com' }));

      const again = await hub.post('/v1/inbound', {
        channel: 'webhook',
        externalId: 'embedded-1',
        from: { kind: 'email', value: 'Bob@Example.com' },
        text: 'Hello from the embedded hub',
      });
      expect(again.status, again.text).toBeLessThan(300);
      expect(InboundAnswer.parse(again.body).duplicate, 'the receipt survived the restart').toBe(true);
    });
  }, 170_000);
});
