import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { exportHub, systemClock } from '@switchboard/core';
import { aChain, aConversation, aCustomer, InMemoryStore } from '@switchboard/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportFileLines, importSwitchboardFile, writeExportFile } from '../index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-import-switchboard-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const aHub = async (): Promise<InMemoryStore> => {
  const store = new InMemoryStore();
  const customer = aCustomer({ displayName: 'Ännä 📦' });
  const conversation = aConversation({ customerId: customer.id });
  await store.transaction(async (s) => {
    await s.customers.insert(customer);
    await s.conversations.insert(conversation);
    await s.interactions.insertMany(aChain(5, () => ({ conversationId: conversation.id, customerId: customer.id, text: 'line one\nline two\r\n' })));
  });
  return store;
};

const collect = async (lines: AsyncIterable<string>): Promise<string[]> => {
  const all: string[] = [];
  for await (const line of lines) all.push(line);
  return all;
};

describe('export files', () => {
  it.each(['hub.jsonl', 'hub.jsonl.gz'])('writes %s complete or not at all, and reads it back line by line', async (name) => {
    const path = join(dir, name);
    const source = await aHub();
    const written: string[] = [];
    const bytes = await writeExportFile(
      (async function* () {
        for await (const line of exportHub(source, { clock: systemClock, hubVersion: 'test' })) {
          written.push(line);
          yield line;
        }
      })(),
      path,
    );
    expect(bytes).toBe(Buffer.byteLength(written.join('')));
    expect(await readdir(dir)).toEqual([name]);
    const raw = await readFile(path);
    expect((name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')).toBe(written.join(''));
    // Newlines inside texts are escaped by JSON: one record per line.
    expect(await collect(exportFileLines(path)())).toEqual(written.map((l) => l.slice(0, -1)));

    const target = new InMemoryStore();
    const result = await importSwitchboardFile(target, path);
    expect(result.counts).toMatchObject({ customer: 1, conversation: 1, interaction: 5 });
  });

  it('leaves no file when the stream fails or the check refuses it', async () => {
    const path = join(dir, 'hub.jsonl');
    const failing = (async function* () {
      yield '{"type":"header"}\n';
      throw new Error('connection reset');
    })();
    await expect(writeExportFile(failing, path)).rejects.toThrow('connection reset');
    await expect(
      writeExportFile(
        (async function* () {
          yield 'x\n';
        })(),
        path,
        () => {
          throw new Error('no trailer');
        },
      ),
    ).rejects.toThrow('no trailer');
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports a missing or unreadable file as such', async () => {
    await expect(importSwitchboardFile(new InMemoryStore(), join(dir, 'missing.jsonl'))).rejects.toThrow(/ENOENT/);
    const broken = join(dir, 'broken.jsonl.gz');
    await writeFile(broken, 'not gzip at all');
    await expect(importSwitchboardFile(new InMemoryStore(), broken)).rejects.toThrow(/header|gzip|incorrect/i);
  });
});
