import type { Health } from '../health.js';

/** Jobs are named `<area>.<verb-noun>` (`routing.evaluate-queue`); each area declares its own. Payloads are plain JSON. */
export type JobName = string;

export interface JobOptions {
  /** Jobs with the same id are not added twice while one is waiting, delayed or active. */
  jobId?: string;
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** Attempts before the job is dead-lettered (default 5), with exponential backoff. */
  attempts?: number;
}

export interface Job<P = unknown> {
  id: string;
  name: string;
  payload: P;
  /** 1 on the first run. */
  attempt: number;
}

export type JobHandler<P = unknown> = (job: Job<P>) => Promise<void>;

export interface JobQueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** A job that exhausted its attempts, kept and visible (dead letter). */
export interface FailedJob {
  id: string;
  name: string;
  payload: unknown;
  attempts: number;
  reason: string;
  failedAt: Date;
}

/** Which dead letters `failed` lists. */
export interface FailedJobQuery {
  /** Only jobs whose name starts with this (`desk.`, `webhooks.deliver`). */
  namePrefix?: string | undefined;
  /** Skip this many of the matching jobs, newest first (paging). */
  offset?: number | undefined;
}

/**
 * Thrown by a handler for a job that can never succeed (a payload that breaks its schema, say):
 * the queue dead-letters it at once with this reason instead of retrying.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PermanentJobError';
  }
}

/** Whether a handler's error is a `PermanentJobError`, from this copy of the core or another. */
export const isPermanentJobError = (error: unknown): boolean => error instanceof Error && error.name === 'PermanentJobError';

/**
 * The job-queue port. Producers call `enqueue`; workers `register` handlers and `start` consuming.
 * Delivery is at least once: handlers must be idempotent. A handler that throws is retried with
 * backoff, then kept as a failed job; one that throws `PermanentJobError` is kept at once.
 */
export interface JobQueue {
  enqueue<P>(name: JobName, payload: P, options?: JobOptions): Promise<void>;
  register<P>(name: JobName, handler: JobHandler<P>, options?: { concurrency?: number }): void;
  /** Starts consuming the registered handlers; a producer-only process never calls it. */
  start(): Promise<void>;
  /** Stops taking new jobs, waits up to `graceMs` for running ones, then closes connections. */
  stop(graceMs?: number): Promise<void>;
  counts(): Promise<JobQueueCounts>;
  /** Dead letters, most recent first. A job id enqueued again replaces its dead letter. */
  failed(limit: number, query?: FailedJobQuery): Promise<FailedJob[]>;
  /** Runs a dead letter again with fresh attempts (same id, name and payload) and answers it; null when no dead letter has this id. */
  retryFailed(id: string): Promise<FailedJob | null>;
  /** Removes a dead letter for good and answers it; null when no dead letter has this id. */
  discardFailed(id: string): Promise<FailedJob | null>;
  health(): Promise<Health>;
}
export const JobQueue = Symbol.for('switchboard.JobQueue');
