/** A customer attribute condition: equal to a value, or to one of a list (`{in: [...]}`). */
export type AttributeValue = string | number | boolean;
export type AttributeCondition = AttributeValue | { in: AttributeValue[] };

/** Where keywords and the regex look: the subject, the text, or either. */
export type TextField = 'subject' | 'text' | 'any';

/**
 * What an inbound conversation must show for a rule to match. Every condition given must hold
 * (and); within a list any one entry is enough (or). A rule with no condition matches everything.
 */
export interface RuleMatch {
  channels?: string[] | undefined;
  /** Case-insensitive whole words or phrases, any one of them. */
  keywords?: string[] | undefined;
  /** RE2 syntax (no backreferences or lookaround), run in linear time over a bounded input. */
  regex?: { pattern: string; caseInsensitive?: boolean | undefined } | undefined;
  /** Where keywords and regex look (default `any`). */
  field?: TextField | undefined;
  /** Kinds of the sender's identity (`email`, `phone`, `slack`…). */
  identityKinds?: string[] | undefined;
  /** Customer attributes, each equal to a value or in a list. */
  attributes?: Record<string, AttributeCondition> | undefined;
}

/** A skill a rule adds: a level, or a level that relaxation may drop (`optional`). */
export type RuleSkill = number | { level: number; optional?: boolean | undefined };

export interface RuleActions {
  /** The queue the conversation goes to; none: its channel's default queue, else `default`. */
  queueId?: string | undefined;
  /** The conversation's priority (higher is served first; 0 by default). */
  priority?: number | undefined;
  /** Skills added to the queue's, with their minimum levels (the higher level wins). */
  skills?: Record<string, RuleSkill> | undefined;
}

/** One routing rule: ordered by `position` (1 first); the first enabled rule that matches wins. */
export interface RoutingRule {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  match: RuleMatch;
  actions: RuleActions;
  createdAt: Date;
  updatedAt: Date;
}

/** What a rule is matched against: the message that queued the conversation, and who sent it. */
export interface RuleSubject {
  channel: string;
  subject: string | null;
  text: string;
  identityKind: string;
  attributes: Readonly<Record<string, unknown>>;
}

export const RULE_LIMITS = {
  /** Rules in all. */
  rules: 500,
  pattern: 1000,
  keywords: 100,
  keyword: 200,
  /** Characters of subject and text a regex or keyword looks at: bounds the time of a match. */
  matchInput: 16_384,
} as const;
