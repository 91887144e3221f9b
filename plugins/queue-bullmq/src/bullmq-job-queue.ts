import {
  isPermanentJobError,
  silentLogger,
  type FailedJob,
  type FailedJobQuery,
  type Health,
  type Job,
  type JobHandler,
  type JobName,
  type JobOptions,
  type JobQueue,
  type JobQueueCounts,
  type Logger,
} from '@switchboard/core';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job as BullJob, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';

export interface BullmqJobQueueOptions {
  /** `redis://[:password@]host:port[/db]` (or `rediss://`). A secret: never logged. */
  url: string;
  /** Key prefix in Redis (default `sb`). */
  prefix?: string;
  /** The one BullMQ queue carrying every job name (default `switchboard`). */
  queueName?: string;
  /** Jobs this process runs at once, all names together (default 8). */
  concurrency?: number;
  /** First retry delay; each further retry doubles it (default 1000 ms). */
  backoffMs?: number;
  /** Failed jobs kept in Redis for `failed()` (default 10 000). */
  maxFailed?: number;
  /** How long a job whose name has no handler here is parked before it is looked at again (default 5000 ms). */
  unhandledRetryMs?: number;
  logger?: Logger;
}

// Payloads cross Redis untyped: producer and handler agree on the shape by job name, so a handler
// is stored as taking `unknown` (method syntax keeps it assignable from JobHandler<P>).
interface Registration {
  handle(job: Job<unknown>): Promise<void>;
  slots: Slots;
}

/** A FIFO counting semaphore: per-handler concurrency inside the one worker. */
class Slots {
  private used = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run(task: () => Promise<void>): Promise<void> {
    if (this.used >= this.size) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.used += 1;
    try {
      await task();
    } finally {
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter, so a newcomer cannot overtake it.
      if (next) next();
      else this.used -= 1;
    }
  }
}

const DEFAULT_ATTEMPTS = 5;
const DEFAULT_GRACE_MS = 10_000;
const PING_TIMEOUT_MS = 2_000;
const QUIT_TIMEOUT_MS = 2_000;
const CUSTOM_ID_PREFIX = 'key-';

// BullMQ refuses custom ids that are integers or contain ':' ('Custom Id cannot be integers',
// 'Custom Id cannot contain :'), and ours may be both ('conversation:42'). Its own ids are plain
// integers, so the prefix tells the two apart on the way back.
const toBullId = (jobId: string): string => CUSTOM_ID_PREFIX + encodeURIComponent(jobId);
const fromBullId = (id: string | undefined): string =>
  id === undefined ? '' : id.startsWith(CUSTOM_ID_PREFIX) ? decodeURIComponent(id.slice(CUSTOM_ID_PREFIX.length)) : id;

const FAILED_CHUNK = 500;

const toFailedJob = (job: BullJob<unknown, void, string>): FailedJob => ({
  id: fromBullId(job.id),
  name: job.name,
  payload: job.data,
  attempts: job.attemptsMade,
  reason: job.failedReason,
  failedAt: new Date(job.finishedOn ?? job.processedOn ?? job.timestamp),
});

const redisErrorCode = (error: unknown): string =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : error instanceof Error ? error.name : 'unknown';

/** Resolves with `'timeout'` if `promise` has not settled within `ms`; never leaves a rejection unhandled. */
const settleWithin = async <T>(promise: Promise<T>, ms: number): Promise<{ value: T } | 'timeout'> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise.then((value) => ({ value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * The job queue on BullMQ and Redis: one BullMQ queue carries every job name and one worker per
 * process dispatches by name. Completed jobs are removed (so their id can be used again); failed
 * ones are kept, bounded, as the dead letters `failed()` lists.
 */
export class BullmqJobQueue implements JobQueue {
  private readonly url: string;
  private readonly prefix: string;
  private readonly queueName: string;
  private readonly concurrency: number;
  private readonly backoffMs: number;
  private readonly maxFailed: number;
  private readonly unhandledRetryMs: number;
  private readonly logger: Logger;

  private readonly handlers = new Map<string, Registration>();
  private readonly reportedUnhandled = new Set<string>();
  private producer: { connection: Redis; queue: Queue<unknown, void, string> } | undefined;
  private consumer: { connection: Redis; worker: Worker<unknown, void, string> } | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: BullmqJobQueueOptions) {
    this.url = options.url;
    this.prefix = options.prefix ?? 'sb';
    this.queueName = options.queueName ?? 'switchboard';
    this.concurrency = options.concurrency ?? 8;
    this.backoffMs = options.backoffMs ?? 1000;
    this.maxFailed = options.maxFailed ?? 10_000;
    this.unhandledRetryMs = options.unhandledRetryMs ?? 5000;
    this.logger = options.logger ?? silentLogger;
  }

  /** Opens the producer connection and waits until BullMQ is ready on it (the plugin's start). */
  async connect(): Promise<void> {
    await this.queue().waitUntilReady();
  }

  async enqueue<P>(name: JobName, payload: P, options: JobOptions = {}): Promise<void> {
    const queue = this.queue();
    const jobOptions: JobsOptions = {
      attempts: options.attempts ?? DEFAULT_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.backoffMs },
      // A kept completed job would make BullMQ ignore every later add with its id.
      removeOnComplete: true,
      removeOnFail: { count: this.maxFailed },
    };
    if (options.delayMs !== undefined && options.delayMs > 0) jobOptions.delay = options.delayMs;
    if (options.jobId !== undefined) {
      jobOptions.jobId = toBullId(options.jobId);
      await this.releaseFinishedId(queue, jobOptions.jobId);
    }
    await queue.add(name, payload, jobOptions);
  }

  register<P>(name: JobName, handler: JobHandler<P>, options: { concurrency?: number } = {}): void {
    // Without a per-handler limit the worker's concurrency is the only bound.
    this.handlers.set(name, { handle: handler, slots: new Slots(options.concurrency ?? Number.POSITIVE_INFINITY) });
    this.reportedUnhandled.delete(name);
  }

  async start(): Promise<void> {
    if (this.consumer || this.stopping) return;
    this.queue();
    // BullMQ duplicates this client for its worker and blocking connections; blocking commands must
    // wait out a Redis restart instead of failing, hence no per-request retry limit.
    const connection = this.redis({ maxRetriesPerRequest: null }, 'worker');
    const worker = new Worker<unknown, void, string>(this.queueName, (job, token) => this.process(job, token), {
      connection,
      prefix: this.prefix,
      concurrency: this.concurrency,
    });
    worker.on('error', (error) => this.logger.warn({ code: redisErrorCode(error), message: error.message }, 'job worker error'));
    worker.on('failed', (job, error) => {
      if (job && (job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError)) {
        this.logger.warn({ job: job.name, jobId: fromBullId(job.id), attempts: job.attemptsMade, reason: error.message }, 'job failed after its last attempt');
      }
    });
    this.consumer = { connection, worker };
    await worker.waitUntilReady();
  }

  stop(graceMs = DEFAULT_GRACE_MS): Promise<void> {
    this.stopping ??= this.shutdown(graceMs);
    return this.stopping;
  }

  async counts(): Promise<JobQueueCounts> {
    const counts = await this.queue().getJobCounts('waiting', 'active', 'delayed', 'failed');
    return { waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0 };
  }

  async failed(limit: number, query: FailedJobQuery = {}): Promise<FailedJob[]> {
    const count = Math.max(0, Math.floor(limit));
    if (count === 0) return [];
    const prefix = query.namePrefix ?? '';
    let skip = Math.max(0, Math.floor(query.offset ?? 0));
    const found: FailedJob[] = [];
    // Newest first, a chunk at a time: the failed set is bounded (maxFailed), a prefix may match few.
    for (let start = 0; found.length < count; start += FAILED_CHUNK) {
      const jobs = await this.queue().getFailed(start, start + FAILED_CHUNK - 1);
      for (const job of jobs) {
        if (!job.name.startsWith(prefix)) continue;
        if (skip > 0) {
          skip -= 1;
          continue;
        }
        if (found.length < count) found.push(toFailedJob(job));
      }
      if (jobs.length < FAILED_CHUNK) break;
    }
    return found;
  }

  async retryFailed(id: string): Promise<FailedJob | null> {
    const job = await this.failedJob(id);
    if (job === null) return null;
    const failed = toFailedJob(job);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return failed;
  }

  async discardFailed(id: string): Promise<FailedJob | null> {
    const job = await this.failedJob(id);
    if (job === null) return null;
    await job.remove();
    return toFailedJob(job);
  }

  private async failedJob(id: string): Promise<BullJob<unknown, void, string> | null> {
    // Our ids carry the prefix; BullMQ's own (jobs enqueued without an id) are plain integers.
    for (const bullId of /^\d+$/.test(id) ? [id, toBullId(id)] : [toBullId(id)]) {
      const job = await this.queue().getJob(bullId);
      if (job && (await job.isFailed())) return job;
    }
    return null;
  }

  async health(): Promise<Health> {
    if (this.stopping) return { status: 'down', detail: 'stopped' };
    const ping = this.connection().ping();
    try {
      const outcome = await settleWithin(ping, PING_TIMEOUT_MS);
      if (outcome === 'timeout') return { status: 'down', detail: 'redis did not answer PING in time' };
      return outcome.value === 'PONG' ? { status: 'up' } : { status: 'down', detail: 'unexpected PING reply' };
    } catch (error) {
      // The error's code only: messages may carry the host, and the URL may carry a password.
      return { status: 'down', detail: `redis PING failed (${redisErrorCode(error)})` };
    }
  }

  private async process(job: BullJob<unknown, void, string>, token: string | undefined): Promise<void> {
    const registration = this.handlers.get(job.name);
    if (!registration) {
      // Not this process's job (yet): park it without spending an attempt, and say so once.
      if (!this.reportedUnhandled.has(job.name)) {
        this.reportedUnhandled.add(job.name);
        this.logger.warn({ job: job.name, retryInMs: this.unhandledRetryMs }, 'no handler registered for job; it stays queued');
      }
      await job.moveToDelayed(Date.now() + this.unhandledRetryMs, token);
      throw new DelayedError();
    }
    const run: Job<unknown> = { id: fromBullId(job.id), name: job.name, payload: job.data, attempt: job.attemptsMade + 1 };
    try {
      await registration.slots.run(() => registration.handle(run));
    } catch (error) {
      // BullMQ keeps an UnrecoverableError as failed at once, whatever attempts remain.
      if (isPermanentJobError(error)) throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  // BullMQ ignores an add whose id still exists in any state, a kept failed job included; the port
  // dedupes only while a job is pending, so a finished one makes way for the new one.
  private async releaseFinishedId(queue: Queue<unknown, void, string>, bullId: string): Promise<void> {
    const state = await queue.getJobState(bullId);
    if (state === 'failed' || state === 'completed') await queue.remove(bullId);
  }

  private async shutdown(graceMs: number): Promise<void> {
    const consumer = this.consumer;
    if (consumer) {
      const closing = consumer.worker.close();
      const outcome = await settleWithin(closing, graceMs).catch(() => 'closed' as const);
      if (outcome === 'timeout') {
        // close() cannot be forced once it has begun; dropping the connections ends it. A job still
        // running keeps its lock until it expires, then BullMQ's stalled check requeues it.
        this.logger.warn({ graceMs }, 'jobs still running after the grace period; disconnecting');
        closing.catch(() => {});
        // Bounded too: with Redis gone, BullMQ waits for an 'end' event ioredis never sends.
        await settleWithin(consumer.worker.disconnect(), QUIT_TIMEOUT_MS).catch(() => {});
      }
      consumer.connection.disconnect();
    }
    const producer = this.producer;
    if (producer) {
      await settleWithin(producer.queue.close(), QUIT_TIMEOUT_MS).catch(() => {});
      const quit = await settleWithin(producer.connection.quit(), QUIT_TIMEOUT_MS).catch(() => 'timeout' as const);
      if (quit === 'timeout') producer.connection.disconnect();
    }
  }

  private queue(): Queue<unknown, void, string> {
    return this.producerSide().queue;
  }

  private connection(): Redis {
    return this.producerSide().connection;
  }

  private producerSide(): { connection: Redis; queue: Queue<unknown, void, string> } {
    if (this.stopping) throw new Error('BullmqJobQueue is stopped');
    if (!this.producer) {
      // A producer fails a command after a few reconnect attempts rather than hanging the caller:
      // the outbox relay retries, the database being the truth.
      const connection = this.redis({ maxRetriesPerRequest: 2 }, 'producer');
      const queue = new Queue<unknown, void, string>(this.queueName, { connection, prefix: this.prefix });
      queue.on('error', (error) => this.logger.warn({ code: redisErrorCode(error), message: error.message }, 'job queue error'));
      this.producer = { connection, queue };
    }
    return this.producer;
  }

  private redis(options: { maxRetriesPerRequest: number | null }, role: string): Redis {
    const connection = new Redis(this.url, options);
    // Without a listener ioredis prints every reconnect failure; keep it in our log, URL-free.
    connection.on('error', (error: Error) => this.logger.debug({ role, code: redisErrorCode(error) }, 'redis connection error'));
    return connection;
  }
}
