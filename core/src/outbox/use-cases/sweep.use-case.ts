import type { JobContribution } from '../../shared/jobs.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { JobQueue } from '../../shared/ports/job-queue.port.js';
import type { Store, StoreSession } from '../../store/store.port.js';
import { enqueuePlanned, type RelayOutbox } from './relay-outbox.use-case.js';

export interface SweepReport {
  relayed: number;
  /** Jobs enqueued again, by job name. */
  enqueued: Record<string, number>;
}

/**
 * The safety net behind the job queue: the database is the truth, so whatever a queue lost (Redis
 * flushed, an in-process queue gone with its process) is found here and enqueued again — each job
 * contribution says what to look for (`sweep`). Job ids carry a time bucket so a sweep never
 * doubles a job that is still pending.
 */
export class Sweep {
  constructor(
    private readonly store: Store,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
    private readonly relay: RelayOutbox,
    private readonly contributions: readonly JobContribution<StoreSession>[],
  ) {}

  async run(bucketMs: number): Promise<SweepReport> {
    const relayed = await this.relay.run();
    const now = this.clock.now();
    const bucket = Math.floor(now.getTime() / bucketMs);
    const enqueued: Record<string, number> = {};
    for (const { name, sweep } of this.contributions) {
      if (!sweep) continue;
      const planned = await this.store.read((session) => sweep({ now, bucket, session }));
      await enqueuePlanned(this.jobs, planned);
      enqueued[name] = planned.length;
    }
    return { relayed, enqueued };
  }
}
