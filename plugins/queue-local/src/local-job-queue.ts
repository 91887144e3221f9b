import { randomUUID } from 'node:crypto';
import {
  isPermanentJobError,
  silentLogger,
  systemClock,
  type Clock,
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

export interface LocalJobQueueOptions {
  /** Parallel runs per handler unless `register` says otherwise (default 4). */
  concurrency?: number;
  /** First retry delay; each further retry doubles it (default 1000 ms). */
  backoffMs?: number;
  /** Failed jobs kept for `failed()`; the oldest are dropped beyond this (default 10 000). */
  maxFailed?: number;
  logger?: Logger;
  clock?: Clock;
}

interface Entry {
  id: string;
  name: string;
  payload: unknown;
  attempts: number;
  /** The attempt about to run or running, 1-based. */
  attempt: number;
}

// Payloads cross the queue untyped: producer and handler agree on the shape by job name, so a
// handler is stored as taking `unknown` (method syntax keeps it assignable from JobHandler<P>).
interface Registration {
  handle(job: Job<unknown>): Promise<void>;
  concurrency: number;
  running: number;
}

const DEFAULT_ATTEMPTS = 5;
const DEFAULT_GRACE_MS = 10_000;

/**
 * An in-process job queue for the embedded default. Nothing is persisted: the database is the
 * truth and the hub's sweeper re-enqueues what a restart loses.
 */
export class LocalJobQueue implements JobQueue {
  private readonly concurrency: number;
  private readonly backoffMs: number;
  private readonly maxFailed: number;
  private readonly logger: Logger;
  private readonly clock: Clock;

  private readonly handlers = new Map<string, Registration>();
  private readonly waiting = new Map<string, Entry[]>();
  private readonly delayed = new Map<Entry, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  /** Ids of jobs waiting, delayed or active: the dedupe window. */
  private readonly pendingIds = new Set<string>();
  /** Newest last; each with the attempts it was enqueued with, for a retry. */
  private readonly failedJobs: (FailedJob & { allowed: number })[] = [];
  private readonly reportedUnhandled = new Set<string>();
  private state: 'idle' | 'started' | 'stopping' | 'stopped' = 'idle';
  private stopping: Promise<void> | undefined;

  constructor(options: LocalJobQueueOptions = {}) {
    this.concurrency = options.concurrency ?? 4;
    this.backoffMs = options.backoffMs ?? 1000;
    this.maxFailed = options.maxFailed ?? 10_000;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
  }

  async enqueue<P>(name: JobName, payload: P, options: JobOptions = {}): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') throw new Error('LocalJobQueue is stopped');
    const id = options.jobId ?? randomUUID();
    if (this.pendingIds.has(id)) return;
    this.pendingIds.add(id);
    // As on BullMQ: a job id enqueued again makes way for the new job; its dead letter goes.
    this.dropFailed(id);
    // Copy like a real queue serialises, so a producer mutating its object later changes nothing.
    const entry: Entry = { id, name, payload: structuredClone(payload), attempts: options.attempts ?? DEFAULT_ATTEMPTS, attempt: 1 };
    const delayMs = options.delayMs ?? 0;
    if (delayMs > 0) this.delay(entry, delayMs);
    else this.push(entry);
  }

  register<P>(name: JobName, handler: JobHandler<P>, options: { concurrency?: number } = {}): void {
    this.handlers.set(name, { handle: handler, concurrency: options.concurrency ?? this.concurrency, running: 0 });
    this.reportedUnhandled.delete(name);
    this.pump(name);
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'started';
    for (const name of this.waiting.keys()) this.pump(name);
  }

  stop(graceMs = DEFAULT_GRACE_MS): Promise<void> {
    this.stopping ??= this.shutdown(graceMs);
    return this.stopping;
  }

  async counts(): Promise<JobQueueCounts> {
    let waiting = 0;
    for (const entries of this.waiting.values()) waiting += entries.length;
    return { waiting, active: this.running.size, delayed: this.delayed.size, failed: this.failedJobs.length };
  }

  async failed(limit: number, query: FailedJobQuery = {}): Promise<FailedJob[]> {
    // Most recent first, like BullMQ's failed set.
    const count = Math.max(0, Math.floor(limit));
    const prefix = query.namePrefix ?? '';
    return this.failedJobs
      .filter((job) => job.name.startsWith(prefix))
      .reverse()
      .slice(Math.max(0, Math.floor(query.offset ?? 0)))
      .slice(0, count)
      .map(({ allowed: _allowed, ...job }) => ({ ...job, payload: structuredClone(job.payload) }));
  }

  async retryFailed(id: string): Promise<FailedJob | null> {
    const index = this.failedJobs.findIndex((job) => job.id === id);
    const found = this.failedJobs[index];
    if (found === undefined) return null;
    if (this.state === 'stopping' || this.state === 'stopped') throw new Error('LocalJobQueue is stopped');
    this.failedJobs.splice(index, 1);
    this.pendingIds.add(id);
    this.push({ id, name: found.name, payload: found.payload, attempts: found.allowed, attempt: 1 });
    const { allowed: _allowed, ...job } = found;
    return job;
  }

  async discardFailed(id: string): Promise<FailedJob | null> {
    const found = this.failedJobs.find((job) => job.id === id);
    if (found === undefined) return null;
    this.dropFailed(id);
    const { allowed: _allowed, ...job } = found;
    return job;
  }

  private dropFailed(id: string): void {
    const index = this.failedJobs.findIndex((job) => job.id === id);
    if (index >= 0) this.failedJobs.splice(index, 1);
  }

  async health(): Promise<Health> {
    return this.state === 'stopped' ? { status: 'down', detail: 'stopped' } : { status: 'up' };
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.state = 'stopping';
    // What is waiting or delayed is dropped: the sweeper re-enqueues it from the database.
    for (const timer of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.waiting.clear();
    this.pendingIds.clear();
    if (this.running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const outcome = await Promise.race([Promise.allSettled([...this.running]), grace]);
      clearTimeout(timer);
      if (outcome === 'timeout') this.logger.warn({ running: this.running.size, graceMs }, 'jobs still running after the grace period');
    }
    this.state = 'stopped';
  }

  private push(entry: Entry): void {
    const entries = this.waiting.get(entry.name);
    if (entries) entries.push(entry);
    else this.waiting.set(entry.name, [entry]);
    this.pump(entry.name);
  }

  private delay(entry: Entry, ms: number): void {
    const timer = setTimeout(() => {
      this.delayed.delete(entry);
      this.push(entry);
    }, ms);
    // A delayed job must not keep the process alive: it is re-enqueued from the database anyway.
    timer.unref();
    this.delayed.set(entry, timer);
  }

  private pump(name: string): void {
    if (this.state !== 'started') return;
    const entries = this.waiting.get(name);
    if (!entries || entries.length === 0) return;
    const registration = this.handlers.get(name);
    if (!registration) {
      // Kept waiting (a handler may be registered later); said once so the log is not flooded.
      if (!this.reportedUnhandled.has(name)) {
        this.reportedUnhandled.add(name);
        this.logger.warn({ job: name, waiting: entries.length }, 'no handler registered for job; it stays waiting');
      }
      return;
    }
    while (registration.running < registration.concurrency) {
      const entry = entries.shift();
      if (!entry) break;
      this.run(registration, entry);
    }
    if (entries.length === 0) this.waiting.delete(name);
  }

  private run(registration: Registration, entry: Entry): void {
    registration.running += 1;
    const job: Job<unknown> = { id: entry.id, name: entry.name, payload: entry.payload, attempt: entry.attempt };
    const execution = Promise.resolve()
      .then(() => registration.handle(job))
      .then(
        () => this.settle(entry),
        (error: unknown) => this.fail(entry, error),
      )
      .finally(() => {
        registration.running -= 1;
        this.running.delete(execution);
        this.pump(entry.name);
      });
    this.running.add(execution);
  }

  private settle(entry: Entry): void {
    this.pendingIds.delete(entry.id);
  }

  private fail(entry: Entry, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    if (this.state !== 'started') {
      // Shutting down: no retry timers; the sweeper re-enqueues from the database.
      this.pendingIds.delete(entry.id);
      return;
    }
    // A permanent failure (a payload that breaks its schema) is dead-lettered at once.
    if (entry.attempt < entry.attempts && !isPermanentJobError(error)) {
      const wait = this.backoffMs * 2 ** (entry.attempt - 1);
      this.logger.debug({ job: entry.name, jobId: entry.id, attempt: entry.attempt, retryInMs: wait, reason }, 'job failed; retrying');
      this.delay({ ...entry, attempt: entry.attempt + 1 }, wait);
      return;
    }
    this.pendingIds.delete(entry.id);
    this.logger.warn({ job: entry.name, jobId: entry.id, attempts: entry.attempt, reason }, 'job failed after its last attempt');
    this.failedJobs.push({ id: entry.id, name: entry.name, payload: entry.payload, attempts: entry.attempt, reason, failedAt: this.clock.now(), allowed: entry.attempts });
    if (this.failedJobs.length > this.maxFailed) this.failedJobs.splice(0, this.failedJobs.length - this.maxFailed);
  }
}
