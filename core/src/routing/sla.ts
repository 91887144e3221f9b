import { BusinessClock } from './business-hours.js';
import type { SlaKind, SlaSubject } from './ports/sla-store.port.js';
import type { Queue } from './queue.entity.js';

export const SLA_KINDS: readonly SlaKind[] = ['first_response', 'resolution'];

/** The SLA clocks of a conversation, as shown on it (`sla` in API.md). */
export interface SlaStatus {
  firstResponseDue: Date | null;
  resolutionDue: Date | null;
  /** Whether any target is breached (or was: a verdict stays). */
  breached: boolean;
  breaches: SlaKind[];
}

export type SlaDecision = { kind: SlaKind; met: boolean; dueAt: Date; decidedAt: Date };

type SlaQueue = Pick<Queue, 'sla' | 'businessHours'>;

export const targetSeconds = (queue: SlaQueue, kind: SlaKind): number | undefined =>
  kind === 'first_response' ? queue.sla?.firstResponseSeconds : queue.sla?.resolutionSeconds;

/** When the target is due: its seconds of business time after the conversation began (the clock pauses while closed). */
export const dueAt = (subject: Pick<SlaSubject, 'createdAt'>, queue: SlaQueue, kind: SlaKind): Date | null => {
  const target = targetSeconds(queue, kind);
  return target === undefined ? null : BusinessClock.of(queue.businessHours).addMs(subject.createdAt, target * 1000);
};

// What stops a clock: the first response (or a resolution without one), the resolution.
const stoppedAt = (subject: SlaSubject, kind: SlaKind): Date | null =>
  kind === 'first_response' ? (subject.firstResponseAt ?? subject.resolvedAt) : subject.resolvedAt;

/**
 * Whether one target is decided at `now`: met once the clock stopped within the target, breached
 * once more business time than the target has passed. `null` while still open, or without a target.
 */
export const decide = (subject: SlaSubject, queue: SlaQueue, kind: SlaKind, now: Date): SlaDecision | null => {
  const target = targetSeconds(queue, kind);
  const due = dueAt(subject, queue, kind);
  if (target === undefined || due === null) return null;
  const stop = stoppedAt(subject, kind);
  // More than the target has elapsed exactly when the clock ran on after the due instant (it may be paused then).
  const resumes = BusinessClock.of(queue.businessHours).nextOpen(due);
  const late = resumes !== null && (stop ?? now).getTime() > resumes.getTime();
  if (late) return { kind, met: false, dueAt: due, decidedAt: due };
  return stop ? { kind, met: true, dueAt: due, decidedAt: stop } : null;
};

/** The clocks of a conversation in `queue`; `null` when the queue has no SLA targets. */
export const slaStatus = (subject: SlaSubject, queue: SlaQueue, now: Date): SlaStatus | null => {
  if (!queue.sla || (queue.sla.firstResponseSeconds === undefined && queue.sla.resolutionSeconds === undefined)) return null;
  const breaches = SLA_KINDS.filter((kind) => decide(subject, queue, kind, now)?.met === false);
  return {
    firstResponseDue: dueAt(subject, queue, 'first_response'),
    resolutionDue: dueAt(subject, queue, 'resolution'),
    breached: breaches.length > 0,
    breaches,
  };
};
