import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../group-commit.js';

/** A commit that waits for `release()` before answering, and records every batch it was given. */
const gatedCommit = (fails: (batch: readonly string[]) => boolean = () => false) => {
  const batches: string[][] = [];
  const gates: (() => void)[] = [];
  const commit = async (batch: readonly string[]) => {
    batches.push([...batch]);
    await new Promise<void>((resolve) => gates.push(resolve));
    if (fails(batch)) throw new Error(`batch ${batch.join(',')} failed`);
    return batch.map((item) => `done:${item}`);
  };
  const releaseAll = async () => {
    // Batches started by a finishing batch come in later ticks: keep opening gates until none is left.
    for (let idle = 0; idle < 20; idle += 1) {
      const open = gates.splice(0);
      open.forEach((g) => g());
      await new Promise((resolve) => setImmediate(resolve));
      if (open.length > 0) idle = 0;
    }
  };
  return { batches, commit, releaseAll };
};

describe('GroupCommit', () => {
  it('commits a lone item at once, as a batch of one, without waiting for company', async () => {
    const batches: string[][] = [];
    const group = new GroupCommit<string, string>(async (batch) => {
      batches.push([...batch]);
      return batch.map((i) => i.toUpperCase());
    });
    const result = group.submit('a');
    // started synchronously: no timer stands between submit and commit
    expect(batches).toEqual([['a']]);
    expect(await result).toBe('A');
  });

  it('fills batches with items submitted together, in order, two in flight, each answered with its own result', async () => {
    const { batches, commit, releaseAll } = gatedCommit((batch) => batch.includes('x3'));
    const group = new GroupCommit(commit, { maxBatch: 4, nextBatchMin: 2 });
    const items = Array.from({ length: 10 }, (_, i) => `x${i}`);
    const results = group.submitMany(items).map((p) => p.then((r) => r, (e: Error) => `error:${e.message}`));
    // Two full batches at once, not a batch of one first.
    expect(batches).toEqual([['x0', 'x1', 'x2', 'x3'], ['x4', 'x5', 'x6', 'x7']]);
    await releaseAll();
    // The failing batch was retried item by item: only x3 fails.
    expect(await Promise.all(results)).toEqual(items.map((i) => (i === 'x3' ? 'error:batch x3 failed' : `done:${i}`)));
    expect(batches.slice(2)).toContainEqual(['x8', 'x9']);
  });

  it('gathers the items submitted while a batch is in flight into the next one, each answered with its own result', async () => {
    const { batches, commit, releaseAll } = gatedCommit();
    const sizes: number[] = [];
    const group = new GroupCommit(commit, { maxInFlight: 1, onBatch: (size) => sizes.push(size) });
    const results = ['a', 'b', 'c', 'd'].map((item) => group.submit(item));
    expect(batches).toEqual([['a']]);
    await releaseAll();
    expect(await Promise.all(results)).toEqual(['done:a', 'done:b', 'done:c', 'done:d']);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    expect(sizes).toEqual([1, 3]);
  });

  it('never makes a batch larger than maxBatch', async () => {
    const { batches, commit, releaseAll } = gatedCommit();
    const group = new GroupCommit(commit, { maxInFlight: 1, maxBatch: 2 });
    const results = ['a', 'b', 'c', 'd', 'e'].map((item) => group.submit(item));
    await releaseAll();
    await Promise.all(results);
    expect(batches).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('starts a second batch beside a running one only once nextBatchMin items wait', async () => {
    const { batches, commit, releaseAll } = gatedCommit();
    const group = new GroupCommit(commit, { maxInFlight: 2, nextBatchMin: 3 });
    const results = [group.submit('a'), group.submit('b'), group.submit('c')];
    expect(batches).toEqual([['a']]);
    results.push(group.submit('d'));
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    await releaseAll();
    await Promise.all(results);
  });

  it('retries each item of a failed batch alone, so only the bad one fails', async () => {
    const { batches, commit, releaseAll } = gatedCommit((batch) => batch.includes('bad'));
    const sizes: number[] = [];
    const group = new GroupCommit(commit, { maxInFlight: 1, onBatch: (size) => sizes.push(size) });
    const first = group.submit('first');
    const [a, bad, c] = [group.submit('a'), group.submit('bad'), group.submit('c')];
    const settled = Promise.allSettled([first, a, bad, c]);
    await releaseAll();
    const [firstResult, aResult, badResult, cResult] = await settled;
    expect(firstResult).toEqual({ status: 'fulfilled', value: 'done:first' });
    expect(aResult).toEqual({ status: 'fulfilled', value: 'done:a' });
    expect(badResult).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: 'batch bad failed' }) });
    expect(cResult).toEqual({ status: 'fulfilled', value: 'done:c' });
    expect(batches).toEqual([['first'], ['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
    // onBatch hears of every batch that committed (the retries are batches of one), not of the failed one
    expect(sizes).toEqual([1, 1, 1]);
  });

  it('rejects a lone failing item with its own error, without a retry', async () => {
    const { batches, commit, releaseAll } = gatedCommit(() => true);
    const group = new GroupCommit(commit);
    const result = group.submit('x');
    const settled = result.catch((error: unknown) => error);
    await releaseAll();
    expect(await settled).toMatchObject({ message: 'batch x failed' });
    expect(batches).toEqual([['x']]);
  });
});
