import type { Queue, RelaxationStep } from './queue.entity.js';

export type { RelaxationStep } from './queue.entity.js';
import type { WaitReason, WorkItem } from './work-item.entity.js';

/** What an item needs as of now, after the relaxation steps its wait has reached. */
export interface RelaxedNeeds {
  /** Steps reached (0: none), 1-based index of the last one. */
  step: number;
  skills: Record<string, number>;
  /** Skill sets of other queues: an agent who has any one of them is eligible too. */
  alternatives: Record<string, number>[];
  /** What the reached steps widened, for the explainer. */
  widened: string[];
  /** When the next step is due; null when none is left. */
  nextAt: Date | null;
}

const merged = (a: Record<string, number>, b: Record<string, number>): Record<string, number> => {
  const out = { ...a };
  for (const [skill, level] of Object.entries(b)) out[skill] = Math.max(out[skill] ?? 0, level);
  return out;
};

const describeSkills = (skills: Record<string, number>): string => Object.entries(skills).map(([s, l]) => `${s}≥${l}`).join(', ') || 'none';

/**
 * The needs of `item` after `queue.relaxation` as of `now`. `otherQueues` gives the skills of the
 * queues that steps open the item to (a queue not given is ignored: it was deleted).
 */
export const relaxedNeeds = (
  item: Pick<WorkItem, 'skills' | 'optionalSkills' | 'enqueuedAt'>,
  relaxation: Queue['relaxation'],
  otherQueues: ReadonlyMap<string, Pick<Queue, 'name' | 'skills'>>,
  now: Date,
): RelaxedNeeds => {
  const full = merged(item.skills, item.optionalSkills ?? {});
  const steps = relaxation ?? [];
  const waitedMs = now.getTime() - item.enqueuedAt.getTime();
  const reached = steps.filter((s) => s.afterSeconds * 1000 <= waitedMs);
  const next = steps.find((s) => s.afterSeconds * 1000 > waitedMs);
  const nextAt = next ? new Date(item.enqueuedAt.getTime() + next.afterSeconds * 1000) : null;
  if (reached.length === 0) return { step: 0, skills: full, alternatives: [], widened: [], nextAt };

  const widened: string[] = [];
  const drop = reached.some((s) => s.dropOptionalSkills);
  let skills = drop ? { ...item.skills } : full;
  if (drop && Object.keys(item.optionalSkills ?? {}).length > 0) widened.push(`optional skills dropped (${describeSkills(item.optionalSkills)})`);
  const lowerBy = reached.reduce((sum, s) => sum + (s.lowerLevelsBy ?? 0), 0);
  if (lowerBy > 0) {
    skills = Object.fromEntries(Object.entries(skills).map(([s, l]) => [s, Math.max(1, l - lowerBy)]));
    widened.push(`required levels lowered by ${lowerBy} (${describeSkills(skills)})`);
  }
  const alsoIds = [...new Set(reached.flatMap((s) => s.alsoQueues ?? []))];
  const also = alsoIds.flatMap((id) => {
    const other = otherQueues.get(id);
    return other ? [other] : [];
  });
  if (also.length > 0) widened.push(`open to the agents of ${also.map((q) => q.name).join(', ')}`);
  return { step: reached.length, skills, alternatives: also.map((q) => q.skills), widened, nextAt };
};

/** The explainer's line for a reached step. */
export const relaxationReason = (needs: RelaxedNeeds, relaxation: Queue['relaxation']): WaitReason | null => {
  if (needs.step === 0 || !relaxation) return null;
  const step = relaxation[needs.step - 1];
  const what = needs.widened.length > 0 ? needs.widened.join('; ') : 'nothing more to widen';
  const next = needs.nextAt ? `; next step at ${needs.nextAt.toISOString()}` : '; no step left';
  return {
    code: 'relaxation_step',
    detail: `relaxation step ${needs.step} of ${relaxation.length} reached after ${step?.afterSeconds ?? 0} s: ${what}${next}`,
    step: needs.step,
    widened: needs.widened,
  };
};

/** Checks a queue's relaxation: steps ascending by time, each widening something. Answers the first fault as [field, message]. */
export const relaxationFault = (steps: readonly RelaxationStep[]): [string, string] | null => {
  for (const [i, step] of steps.entries()) {
    const field = `relaxation.${i}`;
    if (!Number.isInteger(step.afterSeconds) || step.afterSeconds < 1 || step.afterSeconds > 30 * 86_400) return [`${field}.afterSeconds`, 'a whole number of seconds from 1 to 2,592,000'];
    const previous = steps[i - 1];
    if (previous && step.afterSeconds <= previous.afterSeconds) return [`${field}.afterSeconds`, `steps must be in ascending order of afterSeconds (${step.afterSeconds} follows ${previous.afterSeconds})`];
    if (step.lowerLevelsBy !== undefined && (!Number.isInteger(step.lowerLevelsBy) || step.lowerLevelsBy < 1 || step.lowerLevelsBy > 4)) return [`${field}.lowerLevelsBy`, 'a whole number from 1 to 4'];
    if (!step.dropOptionalSkills && !step.lowerLevelsBy && !(step.alsoQueues && step.alsoQueues.length > 0)) {
      return [field, 'a step must widen something: dropOptionalSkills, lowerLevelsBy or alsoQueues'];
    }
  }
  return null;
};
