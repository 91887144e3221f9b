export type SlaKind = 'first_response' | 'resolution';

/** What the SLA clock of a conversation needs to know about it. */
export interface SlaSubject {
  conversationId: string;
  queueId: string;
  createdAt: Date;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
}

/**
 * The final word on one SLA target of a conversation, recorded once: met or breached. The sweep
 * records a verdict when the target is decided, so a breach emits its event once, however often
 * the sweep runs, and queue stats count attainment from verdicts.
 */
export interface SlaVerdict {
  conversationId: string;
  kind: SlaKind;
  queueId: string;
  met: boolean;
  dueAt: Date;
  /** When it was decided: the response (or resolution) for a met target, the due instant for a breach. */
  decidedAt: Date;
  recordedAt: Date;
}

export interface QueueActivity {
  /** Items offered (offers made) since the window began. */
  offered: number;
  /** Assignments begun since the window began. */
  assigned: number;
  /** Conversations of the queue resolved since the window began without ever having been assigned. */
  abandoned: number;
}

export interface SlaRepository {
  /**
   * Conversations of `queueId` created at or before `createdBefore` that have no verdict of `kind`
   * yet, oldest first: those whose target may now be decided.
   */
  undecided(queueId: string, kind: SlaKind, createdBefore: Date, limit: number): Promise<SlaSubject[]>;
  /** Records verdicts; one that exists already is kept. Answers those it inserted. */
  recordVerdicts(verdicts: readonly SlaVerdict[]): Promise<SlaVerdict[]>;
  verdicts(conversationId: string): Promise<SlaVerdict[]>;
  /** Met and breached verdicts of a queue decided at or after `since`. */
  attainment(queueId: string, since: Date): Promise<{ kind: SlaKind; met: number; breached: number }[]>;
  activity(queueId: string, since: Date): Promise<QueueActivity>;
}

export interface SlaSession {
  readonly sla: SlaRepository;
}
