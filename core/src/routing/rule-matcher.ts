import { RE2JS } from 're2js';
import { routingErrors } from './routing.errors.js';
import { RULE_LIMITS, type AttributeCondition, type RoutingRule, type RuleSubject, type TextField } from './routing-rule.entity.js';

// Rules are written by administrators but matched against what any customer sends: regexes run on
// RE2 (re2js, a port of RE2 to JavaScript), whose automata match in time linear in the input and
// refuse backreferences and lookaround, over at most RULE_LIMITS.matchInput characters. No pattern
// can backtrack, so no match needs a timer to be stopped.

/** A word-normalised text: lower case, words joined by single spaces, padded with one space each side. */
const words = (text: string): string => {
  const parts = text.slice(0, RULE_LIMITS.matchInput).toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
  return ` ${parts.join(' ')} `;
};

/** A keyword as the matcher compares it: its words, normalised like the text (empty if it has none). */
export const normaliseKeyword = (keyword: string): string => words(keyword).trim();

/** Compiles a rule's regex; a pattern RE2 refuses is a 422 naming `field`. */
export const compilePattern = (pattern: string, caseInsensitive: boolean, field: string): RE2JS => {
  if (pattern.length === 0 || pattern.length > RULE_LIMITS.pattern) throw routingErrors.invalidRule(field, `a pattern of 1 to ${RULE_LIMITS.pattern} characters`);
  try {
    return RE2JS.compile(pattern, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw routingErrors.invalidRule(field, `not a regular expression RE2 accepts (no backreferences or lookaround): ${reason}`);
  }
};

const attributeHolds = (actual: unknown, condition: AttributeCondition): boolean =>
  typeof condition === 'object' ? condition.in.some((value) => value === actual) : condition === actual;

/** A rule made ready to match: patterns compiled, keywords normalised. */
export interface CompiledRule {
  rule: RoutingRule;
  matches(subject: RuleSubject, view: TextView): boolean;
}

/** The subject's texts, normalised once per message however many rules look at them. */
export class TextView {
  private cache = new Map<string, string>();
  constructor(private readonly subject: RuleSubject) {}

  raw(field: TextField): string {
    const { subject, text } = this.subject;
    const value = field === 'subject' ? (subject ?? '') : field === 'text' ? text : subject ? `${subject}\n${text}` : text;
    return value.slice(0, RULE_LIMITS.matchInput);
  }

  words(field: TextField): string {
    let found = this.cache.get(field);
    if (found === undefined) {
      found = words(this.raw(field));
      this.cache.set(field, found);
    }
    return found;
  }
}

export const compileRule = (rule: RoutingRule): CompiledRule => {
  const { match } = rule;
  const field = match.field ?? 'any';
  const channels = match.channels && match.channels.length > 0 ? new Set(match.channels) : null;
  const kinds = match.identityKinds && match.identityKinds.length > 0 ? new Set(match.identityKinds) : null;
  const keywords = match.keywords && match.keywords.length > 0 ? match.keywords.map(normaliseKeyword).filter((k) => k.length > 0) : null;
  const regex = match.regex ? compilePattern(match.regex.pattern, match.regex.caseInsensitive ?? false, 'match.regex.pattern') : null;
  const attributes = Object.entries(match.attributes ?? {});
  return {
    rule,
    matches(subject, view) {
      if (!rule.enabled) return false;
      if (channels && !channels.has(subject.channel)) return false;
      if (kinds && !kinds.has(subject.identityKind)) return false;
      for (const [name, condition] of attributes) if (!attributeHolds(subject.attributes[name], condition)) return false;
      if (keywords) {
        const text = view.words(field);
        if (!keywords.some((keyword) => text.includes(` ${keyword} `))) return false;
      }
      if (regex && !regex.matcher(view.raw(field)).find()) return false;
      return true;
    },
  };
};

/** Rules ready to match, in order: the first enabled rule that matches wins. */
export class RuleSet {
  private readonly compiled: CompiledRule[];
  /** The distinct queues the rules send to. */
  readonly targetQueueIds: string[];

  constructor(rules: readonly RoutingRule[]) {
    const ordered = [...rules].sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    // A stored rule this version cannot compile (checked when saved, so only after a downgrade of
    // the regex engine) must not stop ingest: it is left out, as if disabled.
    this.compiled = ordered.flatMap((rule) => {
      try {
        return [compileRule(rule)];
      } catch {
        return [];
      }
    });
    this.targetQueueIds = [...new Set(this.compiled.flatMap((c) => (c.rule.enabled && c.rule.actions.queueId ? [c.rule.actions.queueId] : [])))];
  }

  get size(): number {
    return this.compiled.length;
  }

  /** The first enabled rule that matches, or null. */
  first(subject: RuleSubject): RoutingRule | null {
    if (this.compiled.length === 0) return null;
    const view = new TextView(subject);
    for (const compiled of this.compiled) if (compiled.matches(subject, view)) return compiled.rule;
    return null;
  }
}

export const EMPTY_RULES = new RuleSet([]);
