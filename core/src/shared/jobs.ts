import type { z } from 'zod';
import type { OutboxEvent } from './events.js';
import { PermanentJobError, type Job, type JobName } from './ports/job-queue.port.js';

/** A job to enqueue: what the relay derives from events and the sweeper from the database. */
export interface PlannedJob {
  name: JobName;
  payload: unknown;
  /** Jobs with the same id are not added twice while one is waiting, delayed or active. */
  jobId: string;
  delayMs?: number;
}

export interface PlanContext<S> {
  now: Date;
  /** The relay's session, inside the transaction that claimed the events. */
  session: S;
}

export interface SweepContext<S> {
  now: Date;
  /** A time bucket for job ids, so a sweep never doubles a job that is still pending from the last one. */
  bucket: number;
  session: S;
}

/**
 * A job an area contributes: its name, payload schema and handler, the events that start it and
 * what the sweeper re-enqueues should the queue lose it. The hub registers every contribution's
 * handler, the relay asks each for its `plan`, the sweeper for its `sweep`: adding a job is adding
 * one contribution to its area's `*.jobs.ts`.
 */
export interface JobContribution<S = unknown> {
  readonly name: JobName;
  readonly concurrency?: number | undefined;
  /**
   * Checks the payload against the job's schema and handles it. Resolves `true` when the work
   * committed outbox events, so the caller relays them at once. A payload that breaks the schema
   * throws `PermanentJobError`: the job is dead-lettered with the reason, never retried.
   */
  run(job: Job<unknown>): Promise<boolean>;
  plan?(events: readonly OutboxEvent[], context: PlanContext<S>): PlannedJob[] | Promise<PlannedJob[]>;
  /**
   * Like `plan`, for jobs that read what the relay itself writes (the event log): planned in the
   * relay's transaction, enqueued only after it commits, so the job never runs before the events
   * are visible. A crash in between loses the enqueue; the contribution's `sweep` makes up for it.
   */
  follow?(events: readonly OutboxEvent[], context: PlanContext<S>): PlannedJob[] | Promise<PlannedJob[]>;
  sweep?(context: SweepContext<S>): Promise<PlannedJob[]>;
}

export interface JobSpec<P, S> {
  name: JobName;
  payload: z.ZodType<P>;
  concurrency?: number;
  /** Resolves `true` when it committed outbox events. */
  handle(payload: P, job: Job<P>): Promise<boolean | void>;
  plan?(events: readonly OutboxEvent[], context: PlanContext<S>): PlannedJob[] | Promise<PlannedJob[]>;
  follow?(events: readonly OutboxEvent[], context: PlanContext<S>): PlannedJob[] | Promise<PlannedJob[]>;
  sweep?(context: SweepContext<S>): Promise<PlannedJob[]>;
}

/** Makes a `JobContribution` whose handler only ever sees payloads that passed `payload`. */
export const defineJob = <P, S = unknown>(spec: JobSpec<P, S>): JobContribution<S> => ({
  name: spec.name,
  concurrency: spec.concurrency,
  async run(job) {
    const parsed = spec.payload.safeParse(job.payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'payload';
      throw new PermanentJobError(`${spec.name}: invalid payload: ${where}: ${issue?.message ?? 'invalid'}`);
    }
    return (await spec.handle(parsed.data, { ...job, payload: parsed.data })) === true;
  },
  ...(spec.plan ? { plan: spec.plan } : {}),
  ...(spec.follow ? { follow: spec.follow } : {}),
  ...(spec.sweep ? { sweep: spec.sweep } : {}),
});

/** Milliseconds from `now` until an ISO time, never negative. */
export const delayUntil = (iso: string, now: Date, extraMs = 0): number => Math.max(0, new Date(iso).getTime() - now.getTime()) + extraMs;
