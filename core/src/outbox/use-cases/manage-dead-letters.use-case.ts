import { notFound } from '../../shared/domain-error.js';
import { decodeCursor, encodeCursor, invalidCursor, type Page } from '../../shared/page.js';
import type { FailedJob, JobQueue } from '../../shared/ports/job-queue.port.js';
import type { Logger } from '../../shared/ports/logger.port.js';
import type { OutboxSession } from '../../shared/ports/outbox.port.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import { redactSecrets } from '../../shared/redact.js';

/** A dead letter as the API shows it: the payload with secret-looking fields redacted. */
export type DeadLetterView = FailedJob;

export interface DeadLetterQuery {
  limit: number;
  cursor?: string | undefined;
  /** Only jobs whose name starts with this. */
  name?: string | undefined;
}

const REASON_CHARS = 1000;

const deadLetterNotFound = (id: string) => notFound('JOBS.DEAD_LETTER_NOT_FOUND', `no dead-lettered job has the id ${id}`);
const view = (job: FailedJob): DeadLetterView => ({ ...job, payload: redactSecrets(job.payload) });

/**
 * Jobs that exhausted their attempts (admin): listed, run again or discarded. Retries and discards
 * are recorded as events (`job.retried`, `job.discarded`) in the event log, so they show in
 * `GET /v1/events` and reach webhooks like any other event.
 */
export class ManageDeadLetters {
  constructor(
    private readonly store: Transactions<OutboxSession>,
    private readonly jobs: JobQueue,
    private readonly logger: Logger,
  ) {}

  async list(query: DeadLetterQuery): Promise<Page<DeadLetterView>> {
    let offset = 0;
    if (query.cursor !== undefined) {
      const [decoded, ...rest] = decodeCursor(query.cursor) ?? [];
      if (typeof decoded !== 'number' || !Number.isInteger(decoded) || decoded < 0 || rest.length > 0) throw invalidCursor();
      offset = decoded;
    }
    const found = await this.jobs.failed(query.limit + 1, { namePrefix: query.name, offset });
    const items = found.slice(0, query.limit).map(view);
    return { items, nextCursor: found.length > query.limit ? encodeCursor([offset + query.limit]) : null };
  }

  async retry(id: string, by: string | null): Promise<DeadLetterView> {
    const retried = await this.store.transaction(async (session) => {
      const job = await this.jobs.retryFailed(id);
      if (job === null) throw deadLetterNotFound(id);
      await session.outbox.add([{ type: 'job.retried', jobId: id, name: job.name, by }]);
      return job;
    });
    this.logger.info({ jobId: id, job: retried.name, by }, 'dead letter retried');
    return view(retried);
  }

  async discard(id: string, by: string | null): Promise<DeadLetterView> {
    const discarded = await this.store.transaction(async (session) => {
      const job = await this.jobs.discardFailed(id);
      if (job === null) throw deadLetterNotFound(id);
      await session.outbox.add([
        { type: 'job.discarded', jobId: id, name: job.name, reason: job.reason.slice(0, REASON_CHARS), attempts: job.attempts, failedAt: job.failedAt.toISOString(), by },
      ]);
      return job;
    });
    this.logger.info({ jobId: id, job: discarded.name, attempts: discarded.attempts, reason: discarded.reason.slice(0, REASON_CHARS), by }, 'dead letter discarded');
    return view(discarded);
  }
}
