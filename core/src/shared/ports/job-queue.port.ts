import type { Health } from '../health.js';

/** Named jobs of Switchboard; payloads are plain JSON. */
export const JOBS = {
  routeQueue: 'routing.evaluate-queue',
  expireOffer: 'routing.expire-offer',
  sendOutbound: 'delivery.send-outbound',
} as const;
export type JobName = (typeof JOBS)[keyof typeof JOBS] | (string & {});

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

/**
 * The job-queue port. Producers call `enqueue`; workers `register` handlers and `start` consuming.
 * Delivery is at least once: handlers must be idempotent. A handler that throws is retried with
 * backoff, then kept as a failed job.
 */
export interface JobQueue {
  enqueue<P>(name: JobName, payload: P, options?: JobOptions): Promise<void>;
  register<P>(name: JobName, handler: JobHandler<P>, options?: { concurrency?: number }): void;
  /** Starts consuming the registered handlers; a producer-only process never calls it. */
  start(): Promise<void>;
  /** Stops taking new jobs, waits up to `graceMs` for running ones, then closes connections. */
  stop(graceMs?: number): Promise<void>;
  counts(): Promise<JobQueueCounts>;
  failed(limit: number): Promise<FailedJob[]>;
  health(): Promise<Health>;
}
export const JobQueue = Symbol.for('switchboard.JobQueue');
