import { afterEach, describe, expect, it } from 'vitest';
import { PermanentJobError, type Job, type JobQueue } from '../shared/ports/job-queue.port.js';

/** A queue made for one contract test, and how to tear it down (stop it, drop its data). */
export interface JobQueueUnderTest {
  queue: JobQueue;
  dispose(): Promise<void>;
}

// Generous: both adapters must pass on a loaded two-core machine.
const WAIT_MS = 20_000;
const TEST_MS = 60_000;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

const deferred = <T = void>(): Deferred<T> => {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `promise`, failing with `what` after a bounded time instead of hanging the run. */
const within = async <T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/** Polls a condition that no event announces (queue state), bounded like `within`. */
const eventually = async (check: () => Promise<boolean> | boolean, what: string, ms = WAIT_MS): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
};

/** Nothing waiting, delayed or active: every job enqueued so far has finished one way or the other. */
const settled = (queue: JobQueue): Promise<void> =>
  eventually(async () => {
    const counts = await queue.counts();
    return counts.waiting + counts.active + counts.delayed === 0;
  }, 'the queue to settle');

/**
 * The conformance suite every JobQueue adapter passes. `makeQueue` returns a fresh, empty queue that
 * has not been started, configured with a short retry backoff (tens of milliseconds) so the retry
 * tests finish quickly; `dispose` stops it (it may already be stopped) and removes its data.
 */
export function runJobQueueContract(name: string, makeQueue: () => Promise<JobQueueUnderTest>): void {
  describe(`JobQueue contract: ${name}`, () => {
    const disposers: Array<() => Promise<void>> = [];
    const fresh = async (): Promise<JobQueue> => {
      const made = await makeQueue();
      disposers.push(() => made.dispose());
      return made.queue;
    };

    afterEach(async () => {
      for (const dispose of disposers.splice(0)) await dispose();
    });

    it('holds jobs enqueued before start, then gives the handler its id, name, payload and first attempt', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const seen = deferred<Job<{ n: number; tags: string[] }>>();
      let calls = 0;
      queue.register<{ n: number; tags: string[] }>('contract.echo', async (job) => {
        calls += 1;
        seen.resolve(job);
      });
      await queue.enqueue('contract.echo', { n: 1, tags: ['a', 'b'] });
      expect(calls).toBe(0);
      expect(await queue.counts()).toMatchObject({ waiting: 1, active: 0 });

      await queue.start();
      const job = await within(seen.promise, 'the echo job');
      expect(job).toMatchObject({ name: 'contract.echo', payload: { n: 1, tags: ['a', 'b'] }, attempt: 1 });
      expect(job.id).toEqual(expect.any(String));
      expect(job.id).not.toBe('');
    });

    it('does not add a job whose id is already waiting, delayed or active', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const ran: string[] = [];
      const firstStarted = deferred();
      const gate = deferred();
      queue.register<{ tag: string }>(
        'contract.dedupe',
        async (job) => {
          ran.push(`${job.id}|${job.payload.tag}`);
          if (job.payload.tag === 'first') {
            firstStarted.resolve();
            await gate.promise;
          }
        },
        { concurrency: 1 },
      );
      // Ids a real caller uses: with a colon and all digits (some brokers treat those specially).
      await queue.enqueue('contract.dedupe', { tag: 'first' }, { jobId: 'conversation:1' });
      await queue.enqueue('contract.dedupe', { tag: 'duplicate-of-waiting' }, { jobId: 'conversation:1' });
      await queue.enqueue('contract.dedupe', { tag: 'delayed' }, { jobId: '42', delayMs: 300 });
      await queue.enqueue('contract.dedupe', { tag: 'duplicate-of-delayed' }, { jobId: '42', delayMs: 300 });
      expect(await queue.counts()).toMatchObject({ waiting: 1, delayed: 1 });

      await queue.start();
      await within(firstStarted.promise, 'the first job to start');
      await queue.enqueue('contract.dedupe', { tag: 'duplicate-of-active' }, { jobId: 'conversation:1' });
      gate.resolve();

      await eventually(() => ran.length >= 2, 'both jobs to run');
      await settled(queue);
      expect(ran).toEqual(['conversation:1|first', '42|delayed']);
    });

    it('accepts a job id again once that job has completed', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const runs: string[] = [];
      let done = deferred();
      queue.register<{ tag: string }>('contract.again', async (job) => {
        runs.push(job.payload.tag);
        done.resolve();
      });
      await queue.start();

      await queue.enqueue('contract.again', { tag: 'one' }, { jobId: 'again-1' });
      await within(done.promise, 'the first run');
      await settled(queue);

      done = deferred();
      await queue.enqueue('contract.again', { tag: 'two' }, { jobId: 'again-1' });
      await within(done.promise, 'the second run with the same id');
      expect(runs).toEqual(['one', 'two']);
    });

    it('accepts a job id again once that job has failed', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const good = deferred<Job<{ ok: boolean }>>();
      queue.register<{ ok: boolean }>('contract.again-after-failure', async (job) => {
        if (!job.payload.ok) throw new Error('not ok');
        good.resolve(job);
      });
      await queue.start();

      await queue.enqueue('contract.again-after-failure', { ok: false }, { jobId: 'retry-me', attempts: 1 });
      await eventually(async () => (await queue.failed(10)).length === 1, 'the job to fail');
      await settled(queue);

      await queue.enqueue('contract.again-after-failure', { ok: true }, { jobId: 'retry-me' });
      const job = await within(good.promise, 'the re-enqueued job');
      expect(job).toMatchObject({ id: 'retry-me', payload: { ok: true }, attempt: 1 });
    });

    it('runs a delayed job no earlier than its delay', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const ranAt = deferred<number>();
      queue.register('contract.delayed', async () => ranAt.resolve(Date.now()));
      await queue.start();

      const enqueuedAt = Date.now();
      await queue.enqueue('contract.delayed', { at: enqueuedAt }, { delayMs: 1000 });
      expect(await queue.counts()).toMatchObject({ delayed: 1, waiting: 0 });

      const at = await within(ranAt.promise, 'the delayed job');
      // A few ms of slack for timer and clock granularity; early by more than that is a bug.
      expect(at - enqueuedAt).toBeGreaterThanOrEqual(990);
    });

    it('retries a throwing handler with backoff, then keeps the job as failed with its reason', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const attempts: number[] = [];
      queue.register<{ order: number }>('contract.failing', async (job) => {
        attempts.push(job.attempt);
        throw new Error(`boom on attempt ${job.attempt}`);
      });
      await queue.start();

      await queue.enqueue('contract.failing', { order: 7 }, { jobId: 'failing-1', attempts: 3 });
      await eventually(async () => (await queue.failed(10)).length === 1, 'the job to exhaust its attempts');

      expect(attempts).toEqual([1, 2, 3]);
      const [failed] = await queue.failed(10);
      expect(failed).toMatchObject({
        id: 'failing-1',
        name: 'contract.failing',
        payload: { order: 7 },
        attempts: 3,
        reason: 'boom on attempt 3',
      });
      expect(failed?.failedAt).toBeInstanceOf(Date);
      await settled(queue);
      expect(await queue.counts()).toMatchObject({ failed: 1, waiting: 0, active: 0, delayed: 0 });

      await queue.enqueue('contract.failing', { order: 8 }, { attempts: 1 });
      await eventually(async () => (await queue.failed(10)).length === 2, 'the second job to fail');
      expect(await queue.failed(1)).toHaveLength(1);
      expect((await queue.counts()).failed).toBe(2);
    });

    it('dead-letters a job whose handler throws PermanentJobError at once, without retrying', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const attempts: number[] = [];
      queue.register<{ order: number }>('contract.poisoned', async (job) => {
        attempts.push(job.attempt);
        throw new PermanentJobError('contract.poisoned: invalid payload: order: expected a string');
      });
      await queue.start();

      await queue.enqueue('contract.poisoned', { order: 9 }, { jobId: 'poisoned-1', attempts: 5 });
      await eventually(async () => (await queue.failed(10)).length === 1, 'the job to be dead-lettered');
      await settled(queue);

      expect(attempts).toEqual([1]);
      expect((await queue.failed(10))[0]).toMatchObject({
        id: 'poisoned-1',
        name: 'contract.poisoned',
        payload: { order: 9 },
        attempts: 1,
        reason: 'contract.poisoned: invalid payload: order: expected a string',
      });
    });

    it('never runs more jobs of a handler at once than its concurrency', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const total = 8;
      let active = 0;
      let peak = 0;
      let finished = 0;
      const all = deferred();
      queue.register(
        'contract.parallel',
        async () => {
          active += 1;
          peak = Math.max(peak, active);
          await sleep(100); // the work, long enough for runs to overlap
          active -= 1;
          finished += 1;
          if (finished === total) all.resolve();
        },
        { concurrency: 2 },
      );
      for (let i = 0; i < total; i += 1) await queue.enqueue('contract.parallel', { i });
      await queue.start();

      await within(all.promise, 'all parallel jobs');
      expect(peak).toBe(2);
    });

    it('stop() waits for an in-flight job to finish', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const started = deferred();
      let finished = false;
      queue.register('contract.slow', async () => {
        started.resolve();
        await sleep(400);
        finished = true;
      });
      await queue.start();
      await queue.enqueue('contract.slow', {});
      await within(started.promise, 'the slow job to start');

      await within(queue.stop(WAIT_MS), 'stop()');
      expect(finished).toBe(true);
    });

    it('stop() returns after its grace period when a job does not finish', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const started = deferred();
      const release = deferred();
      queue.register('contract.stuck', async () => {
        started.resolve();
        await release.promise;
      });
      await queue.start();
      await queue.enqueue('contract.stuck', {});
      await within(started.promise, 'the stuck job to start');

      const stoppedAt = Date.now();
      await within(queue.stop(300), 'stop(300)', 15_000);
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(250);
      release.resolve();
    });

    it('gives each handler only the jobs of its own name', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const seenByA: Array<Job<{ n: number }>> = [];
      const seenByB: Array<Job<{ n: number }>> = [];
      queue.register<{ n: number }>('contract.a', async (job) => {
        seenByA.push(job);
      });
      queue.register<{ n: number }>('contract.b', async (job) => {
        seenByB.push(job);
      });
      await queue.start();
      await queue.enqueue('contract.a', { n: 1 });
      await queue.enqueue('contract.b', { n: 2 });
      await queue.enqueue('contract.a', { n: 3 });

      await eventually(() => seenByA.length + seenByB.length === 3, 'three jobs to run');
      await settled(queue);
      expect(seenByA.map((job) => job.payload.n).sort()).toEqual([1, 3]);
      expect(seenByB.map((job) => job.payload.n)).toEqual([2]);
      expect(seenByA.every((job) => job.name === 'contract.a')).toBe(true);
      expect(seenByB.every((job) => job.name === 'contract.b')).toBe(true);
    });

    it('lists dead letters by name prefix in pages, newest first', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      for (const name of ['contract.dl.alpha', 'contract.dl.beta', 'other.dl']) {
        queue.register<{ n: number }>(name, async (job) => {
          throw new PermanentJobError(`${name} refuses ${job.payload.n}`);
        });
      }
      await queue.start();
      const order = [
        ['contract.dl.alpha', 'dl-1'],
        ['other.dl', 'dl-2'],
        ['contract.dl.beta', 'dl-3'],
        ['contract.dl.alpha', 'dl-4'],
      ] as const;
      for (const [i, [name, jobId]] of order.entries()) {
        await queue.enqueue(name, { n: i }, { jobId });
        // One at a time, so "newest first" has one answer.
        await eventually(async () => (await queue.failed(10)).length === i + 1, `dead letter ${jobId}`);
        await sleep(5);
      }
      expect((await queue.failed(10)).map((j) => j.id)).toEqual(['dl-4', 'dl-3', 'dl-2', 'dl-1']);
      expect((await queue.failed(10, { namePrefix: 'contract.dl.' })).map((j) => j.id)).toEqual(['dl-4', 'dl-3', 'dl-1']);
      expect((await queue.failed(2, { namePrefix: 'contract.dl.' })).map((j) => j.id)).toEqual(['dl-4', 'dl-3']);
      expect((await queue.failed(2, { namePrefix: 'contract.dl.', offset: 2 })).map((j) => j.id)).toEqual(['dl-1']);
      expect(await queue.failed(10, { namePrefix: 'nothing.' })).toEqual([]);
      expect((await queue.failed(10, { namePrefix: 'other.' }))[0]).toMatchObject({ id: 'dl-2', name: 'other.dl', payload: { n: 1 }, attempts: 1, reason: 'other.dl refuses 1' });
    });

    it('retries a dead letter with fresh attempts under the same id, name and payload', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const runs: Job<{ v: number }>[] = [];
      let healthy = false;
      const succeeded = deferred<Job<{ v: number }>>();
      queue.register<{ v: number }>('contract.dl.retry', async (job) => {
        runs.push(job);
        if (!healthy) throw new Error(`down on attempt ${job.attempt}`);
        succeeded.resolve(job);
      });
      await queue.start();
      await queue.enqueue('contract.dl.retry', { v: 42 }, { jobId: 'dl-retry', attempts: 2 });
      await eventually(async () => (await queue.failed(10)).length === 1, 'the job to exhaust its attempts');
      await settled(queue);
      expect(runs.map((r) => r.attempt)).toEqual([1, 2]);

      expect(await queue.retryFailed('no-such-job')).toBeNull();
      healthy = true;
      expect(await queue.retryFailed('dl-retry')).toMatchObject({ id: 'dl-retry', name: 'contract.dl.retry', payload: { v: 42 }, attempts: 2, reason: 'down on attempt 2' });
      const job = await within(succeeded.promise, 'the retried job');
      expect(job).toMatchObject({ id: 'dl-retry', name: 'contract.dl.retry', payload: { v: 42 }, attempt: 1 });
      await settled(queue);
      expect(await queue.failed(10)).toEqual([]);
      expect((await queue.counts()).failed).toBe(0);
      // Done: nothing left to retry.
      expect(await queue.retryFailed('dl-retry')).toBeNull();
    });

    it('retried dead letters that fail again come back as dead letters, with their attempts counted afresh', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const attempts: number[] = [];
      queue.register('contract.dl.again', async (job) => {
        attempts.push(job.attempt);
        throw new Error('still down');
      });
      await queue.start();
      await queue.enqueue('contract.dl.again', {}, { jobId: 'dl-again', attempts: 2 });
      await eventually(async () => (await queue.failed(10)).length === 1, 'the first failure');
      await settled(queue);
      expect(await queue.retryFailed('dl-again')).not.toBeNull();
      await eventually(async () => attempts.length === 4 && (await queue.failed(10)).length === 1, 'the second failure');
      await settled(queue);
      expect(attempts).toEqual([1, 2, 1, 2]);
      expect(await queue.failed(10)).toMatchObject([{ id: 'dl-again', attempts: 2, reason: 'still down' }]);
    });

    it('discards a dead letter for good and answers it', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      queue.register('contract.dl.discard', async () => {
        throw new PermanentJobError('never');
      });
      await queue.start();
      await queue.enqueue('contract.dl.discard', { keep: false }, { jobId: 'dl-discard' });
      await queue.enqueue('contract.dl.discard', { keep: true }, { jobId: 'dl-keep' });
      await eventually(async () => (await queue.failed(10)).length === 2, 'both dead-lettered');

      expect(await queue.discardFailed('no-such-job')).toBeNull();
      expect(await queue.discardFailed('dl-discard')).toMatchObject({ id: 'dl-discard', name: 'contract.dl.discard', payload: { keep: false }, reason: 'never' });
      expect((await queue.failed(10)).map((j) => j.id)).toEqual(['dl-keep']);
      expect((await queue.counts()).failed).toBe(1);
      expect(await queue.discardFailed('dl-discard')).toBeNull();
      expect(await queue.retryFailed('dl-discard')).toBeNull();
    });

    it('keeps a job with no registered handler pending, and runs it once a handler is registered', { timeout: TEST_MS }, async () => {
      const queue = await fresh();
      const known = deferred();
      queue.register('contract.known', async () => known.resolve());
      await queue.start();

      await queue.enqueue('contract.orphan', { x: 1 });
      await queue.enqueue('contract.known', {});
      await within(known.promise, 'the known job (the consumer is running)');

      await eventually(async () => {
        const counts = await queue.counts();
        return counts.waiting + counts.delayed + counts.active === 1;
      }, 'only the orphan job to be pending');
      expect(await queue.failed(10)).toEqual([]);

      const orphan = deferred<Job<{ x: number }>>();
      queue.register<{ x: number }>('contract.orphan', async (job) => orphan.resolve(job));
      const job = await within(orphan.promise, 'the orphan job once its handler exists');
      expect(job).toMatchObject({ name: 'contract.orphan', payload: { x: 1 }, attempt: 1 });
    });
  });
}
