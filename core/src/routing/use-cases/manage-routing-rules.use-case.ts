import { isId, newId } from '../../shared/ids.js';
import { lockKeys } from '../../shared/lock-keys.js';
import { decodeCursor, encodeCursor, type Page, type PageRequest } from '../../shared/page.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { RoutingStore } from '../ports/routing-transactions.js';
import type { RoutingSession } from '../ports/routing-store.port.js';
import { routingErrors } from '../routing.errors.js';
import { RULE_LIMITS, type RoutingRule, type RuleActions, type RuleMatch, type RuleSkill } from '../routing-rule.entity.js';
import { compilePattern, normaliseKeyword } from '../rule-matcher.js';

/** A rule as written by an administrator: the target queue by id or name. */
export interface RoutingRuleInput {
  name: string;
  /** 1 is first; beyond the end (or unset) appends. */
  position?: number | undefined;
  enabled?: boolean | undefined;
  match?: RuleMatch | undefined;
  actions?: (RuleActions & { queue?: string | undefined }) | undefined;
}

const checkLevel = (level: number, field: string) => {
  if (!Number.isInteger(level) || level < 1 || level > 5) throw routingErrors.invalidRule(field, 'a skill level from 1 to 5');
};

/** Checks what the API's schema cannot: patterns compile, keywords have words, levels are in range. */
const checkMatch = (match: RuleMatch) => {
  if (match.regex) compilePattern(match.regex.pattern, match.regex.caseInsensitive ?? false, 'match.regex.pattern');
  (match.keywords ?? []).forEach((keyword, i) => {
    if (keyword.length > RULE_LIMITS.keyword || normaliseKeyword(keyword).length === 0) {
      throw routingErrors.invalidRule(`match.keywords.${i}`, `a word or phrase of at most ${RULE_LIMITS.keyword} characters with at least one letter or digit`);
    }
  });
  if ((match.keywords ?? []).length > RULE_LIMITS.keywords) throw routingErrors.invalidRule('match.keywords', `at most ${RULE_LIMITS.keywords} keywords`);
  for (const [name, condition] of Object.entries(match.attributes ?? {})) {
    if (typeof condition === 'object' && condition.in.length === 0) throw routingErrors.invalidRule(`match.attributes.${name}.in`, 'at least one value');
  }
};

const checkActions = (actions: Omit<RuleActions, 'queueId'>) => {
  if (actions.priority !== undefined && (!Number.isInteger(actions.priority) || actions.priority < 0 || actions.priority > 100)) {
    throw routingErrors.invalidRule('actions.priority', 'a whole number from 0 to 100');
  }
  for (const [skill, value] of Object.entries(actions.skills ?? {})) checkLevel(typeof value === 'number' ? value : value.level, `actions.skills.${skill}`);
};

const byPosition = (a: RoutingRule, b: RoutingRule) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The skills a rule adds, split into required and optional (relaxation may drop optional ones). */
export const ruleSkills = (skills: Record<string, RuleSkill> | undefined): { required: Record<string, number>; optional: Record<string, number> } => {
  const required: Record<string, number> = {};
  const optional: Record<string, number> = {};
  for (const [skill, value] of Object.entries(skills ?? {})) {
    if (typeof value === 'number') required[skill] = value;
    else (value.optional ? optional : required)[skill] = value.level;
  }
  return { required, optional };
};

/** Routing rules: which queue, priority and skills an inbound conversation gets. Ordered; first match wins. */
export class ManageRoutingRules {
  constructor(
    private readonly store: RoutingStore,
    private readonly clock: Clock,
  ) {}

  /** By position. */
  async list(page: PageRequest): Promise<Page<RoutingRule>> {
    const rules = (await this.store.read((session) => session.routingRules.list())).sort(byPosition);
    const after = page.cursor === undefined ? null : decodeCursor(page.cursor);
    if (page.cursor !== undefined && (!after || after.length !== 2)) throw routingErrors.invalidRule('cursor', 'not a cursor this list gave');
    const start = after ? rules.findIndex((r) => r.position > Number(after[0]) || (r.position === Number(after[0]) && r.id > String(after[1]))) : 0;
    const items = start < 0 ? [] : rules.slice(start, start + page.limit);
    const last = items.at(-1);
    const more = start >= 0 && start + page.limit < rules.length;
    return { items, nextCursor: more && last ? encodeCursor([last.position, last.id]) : null };
  }

  async get(id: string): Promise<RoutingRule> {
    const rule = isId(id) ? await this.store.read((session) => session.routingRules.get(id)) : null;
    if (!rule) throw routingErrors.ruleNotFound(id);
    return rule;
  }

  async create(input: RoutingRuleInput): Promise<RoutingRule> {
    checkMatch(input.match ?? {});
    checkActions(input.actions ?? {});
    return this.store.transaction(async (session) => {
      await session.lock(lockKeys.routingRules());
      const rules = (await session.routingRules.list()).sort(byPosition);
      if (rules.length >= RULE_LIMITS.rules) throw routingErrors.tooManyRules(RULE_LIMITS.rules);
      const now = this.clock.now();
      const rule: RoutingRule = {
        id: newId(),
        name: input.name,
        position: 0,
        enabled: input.enabled ?? true,
        match: input.match ?? {},
        actions: await resolveActions(session, input.actions ?? {}),
        createdAt: now,
        updatedAt: now,
      };
      const order = [...rules];
      order.splice(insertAt(input.position, rules.length), 0, rule);
      await this.renumber(session, order, rule, true);
      return { ...rule, position: order.indexOf(rule) + 1 };
    });
  }

  /** Changes a rule; a new `position` moves it there, shifting the others. */
  async update(id: string, patch: Partial<RoutingRuleInput>): Promise<RoutingRule> {
    if (patch.match) checkMatch(patch.match);
    if (patch.actions) checkActions(patch.actions);
    return this.store.transaction(async (session) => {
      await session.lock(lockKeys.routingRules());
      const rules = (await session.routingRules.list()).sort(byPosition);
      const current = rules.find((r) => r.id === id);
      if (!current) throw routingErrors.ruleNotFound(id);
      const updated: RoutingRule = {
        ...current,
        ...(patch.name === undefined ? {} : { name: patch.name }),
        ...(patch.enabled === undefined ? {} : { enabled: patch.enabled }),
        ...(patch.match === undefined ? {} : { match: patch.match }),
        ...(patch.actions === undefined ? {} : { actions: await resolveActions(session, patch.actions) }),
        updatedAt: this.clock.now(),
      };
      const order = rules.filter((r) => r.id !== id);
      order.splice(patch.position === undefined ? rules.indexOf(current) : insertAt(patch.position, order.length), 0, updated);
      await this.renumber(session, order, updated, false);
      return { ...updated, position: order.indexOf(updated) + 1 };
    });
  }

  async delete(id: string): Promise<void> {
    await this.store.transaction(async (session) => {
      await session.lock(lockKeys.routingRules());
      const rules = (await session.routingRules.list()).sort(byPosition);
      if (!rules.some((r) => r.id === id)) throw routingErrors.ruleNotFound(id);
      await session.routingRules.delete(id);
      await this.renumber(session, rules.filter((r) => r.id !== id), null, false);
    });
  }

  /** Writes positions 1…n in `order` (only the rows that moved), `changed` in any case, and bumps the version. */
  private async renumber(session: Pick<RoutingSession, 'routingRules'>, order: RoutingRule[], changed: RoutingRule | null, isNew: boolean): Promise<void> {
    for (const [i, rule] of order.entries()) {
      const position = i + 1;
      if (rule === changed) {
        const stored = { ...rule, position };
        await (isNew ? session.routingRules.insert(stored) : session.routingRules.update(stored));
      } else if (rule.position !== position) {
        await session.routingRules.update({ ...rule, position });
      }
    }
    await session.routingRules.bumpVersion();
  }
}

const insertAt = (position: number | undefined, length: number): number =>
  position === undefined ? length : Math.max(0, Math.min(length, Math.floor(position) - 1));

/** The target queue by id or name, as its id; an unknown one is a 422 naming `actions.queue`. */
const resolveActions = async (session: Pick<RoutingSession, 'queues'>, actions: Omit<RuleActions, 'queueId'> & { queue?: string | undefined; queueId?: string | undefined }): Promise<RuleActions> => {
  const { queue: ref, queueId: _ignored, ...rest } = actions;
  const wanted = ref ?? actions.queueId;
  if (wanted === undefined) return rest;
  const queue = (isId(wanted) ? await session.queues.get(wanted) : null) ?? (await session.queues.getByName(wanted));
  if (!queue) throw routingErrors.unknownRuleQueue(wanted, ref === undefined ? 'actions.queueId' : 'actions.queue');
  return { ...rest, queueId: queue.id };
};
