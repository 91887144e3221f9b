import { describe, expect, it } from 'vitest';
import { EXPORT_SECTIONS } from '../export-format.js';
import { exportHub } from '../use-cases/export-hub.use-case.js';
import { restoreHub, type RestoreProgress } from '../use-cases/restore-hub.use-case.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aChain, aConversation, aCustomer, anIdentity, aQueue } from '../../testing/mothers.js';

const T0 = new Date('2026-05-01T10:00:00.000Z');

const aSmallHub = async (): Promise<InMemoryStore> => {
  const store = new InMemoryStore();
  const customer = aCustomer({ displayName: 'Zoë Ünïcode', createdAt: T0, updatedAt: T0 });
  const conversation = aConversation({ customerId: customer.id });
  await store.transaction(async (s) => {
    await s.queues.insert(aQueue({ name: 'default' }));
    await s.customers.insert(customer);
    await s.identities.insert(anIdentity({ customerId: customer.id, kind: 'email', value: 'zoe@example.com' }));
    await s.conversations.insert(conversation);
    await s.interactions.insertMany(aChain(3, () => ({ conversationId: conversation.id, customerId: customer.id })));
  });
  return store;
};

const exportLines = async (store: InMemoryStore): Promise<string[]> => {
  const lines: string[] = [];
  for await (const line of exportHub(store, { clock: { now: () => T0 }, hubVersion: '0.1.0', pageSize: 2 })) {
    expect(line.endsWith('\n')).toBe(true);
    lines.push(line.slice(0, -1));
  }
  return lines;
};
const source = (lines: readonly string[]) => () =>
  (async function* () {
    yield* lines;
  })();

const isEmpty = async (store: InMemoryStore): Promise<boolean> => {
  for (const section of EXPORT_SECTIONS) {
    if (section !== 'queue' && (await store.read((s) => s.portability.count(section))) > 0) return false;
  }
  return true;
};

describe('exportHub', () => {
  it('writes a header with the counts, a record per row and a trailer with counts and a checksum', async () => {
    const lines = await exportLines(await aSmallHub());
    const header = JSON.parse(lines[0]!);
    expect(header).toMatchObject({ type: 'header', format: 'switchboard.hub-export', formatVersion: 1, hubVersion: '0.1.0', exportedAt: T0.toISOString() });
    expect(header.counts).toMatchObject({ queue: 1, customer: 1, identity: 1, conversation: 1, interaction: 3, agent: 0 });
    const types = lines.slice(1, -1).map((l) => JSON.parse(l).type);
    expect(types).toEqual(['queue', 'customer', 'identity', 'conversation', 'interaction', 'interaction', 'interaction']);
    const entry = JSON.parse(lines[5]!);
    expect(entry).toMatchObject({ type: 'interaction', interactionType: 'message', seq: 1 });
    expect(entry.digest).toMatch(/^[0-9a-f]{64}$/);
    const trailer = JSON.parse(lines.at(-1)!);
    expect(trailer).toMatchObject({ type: 'trailer', records: 7, counts: { interaction: 3, customer: 1 } });
    expect(trailer.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('restoreHub', () => {
  it('restores into an empty hub in batches, reporting progress', async () => {
    const lines = await exportLines(await aSmallHub());
    const target = new InMemoryStore();
    const progress: RestoreProgress[] = [];
    const result = await restoreHub(target, source(lines), { batchSize: 2, onProgress: (p) => progress.push(p) });
    expect(result.records).toBe(7);
    expect(progress.filter((p) => p.phase === 'write').map((p) => p.records)).toEqual([2, 4, 6, 7]);
    expect(await exportLines(target)).toEqual(lines);

    // Large lines end a batch early: here every record is a batch of its own.
    const progressBySize: number[] = [];
    await restoreHub(new InMemoryStore(), source(lines), { batchBytes: 1, onProgress: (p) => p.phase === 'write' && progressBySize.push(p.records) });
    expect(progressBySize).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('refuses a file cut short, naming where it ends, and writes nothing', async () => {
    const lines = await exportLines(await aSmallHub());
    const target = new InMemoryStore();
    await expect(restoreHub(target, source(lines.slice(0, -1)))).rejects.toMatchObject({
      code: 'PORTABILITY.TRUNCATED_EXPORT',
      message: expect.stringContaining(`ends after line ${lines.length - 1} without its trailer`),
    });
    // cut in the middle of a line
    const cut = [...lines.slice(0, 4), lines[4]!.slice(0, 20)];
    await expect(restoreHub(target, source(cut))).rejects.toMatchObject({ code: 'PORTABILITY.MALFORMED_EXPORT', message: expect.stringMatching(/^line 5: not a JSON object/) });
    await expect(restoreHub(target, source([]))).rejects.toMatchObject({ code: 'PORTABILITY.TRUNCATED_EXPORT', message: expect.stringContaining('empty') });
    expect(await isEmpty(target)).toBe(true);
  });

  it('refuses a damaged line by its number and reason, even a well-formed change the checksum catches, and writes nothing', async () => {
    const lines = await exportLines(await aSmallHub());
    const target = new InMemoryStore();
    const at = (index: number, change: (record: Record<string, unknown>) => Record<string, unknown>) =>
      lines.map((line, i) => (i === index ? JSON.stringify(change(JSON.parse(line))) : line));

    await expect(restoreHub(target, source(at(5, (r) => ({ ...r, digest: 'not-a-digest' }))))).rejects.toMatchObject({
      message: expect.stringMatching(/^line 6: interaction: digest: /),
    });
    await expect(restoreHub(target, source(at(2, (r) => ({ ...r, type: 'customr' }))))).rejects.toMatchObject({ message: expect.stringContaining('line 3: unknown record type "customr"') });
    await expect(restoreHub(target, source(at(2, (r) => ({ ...r, displayName: 'Mallory' }))))).rejects.toMatchObject({
      message: `line ${lines.length}: the checksum does not match: the file was changed after it was written`,
    });
    const dropped = [...lines.slice(0, 3), ...lines.slice(4)];
    await expect(restoreHub(target, source(dropped))).rejects.toMatchObject({ message: expect.stringContaining('the trailer counts 7 records, the file holds 6') });
    await expect(restoreHub(target, source(at(0, (r) => ({ ...r, formatVersion: 2 }))))).rejects.toMatchObject({ message: expect.stringContaining('line 1: format version 2') });
    await expect(restoreHub(target, source([...lines, '{"type":"customer"}']))).rejects.toMatchObject({ message: `line ${lines.length + 1}: a line after the trailer` });
    expect(await isEmpty(target)).toBe(true);
  });

  it('refuses a hub that holds data, saying what it holds', async () => {
    const lines = await exportLines(await aSmallHub());
    const target = await aSmallHub();
    await expect(restoreHub(target, source(lines))).rejects.toMatchObject({
      code: 'PORTABILITY.HUB_NOT_EMPTY',
      kind: 'conflict',
      message: expect.stringContaining('1 customer, 1 identity, 1 conversation, 3 interaction'),
    });
  });
});
