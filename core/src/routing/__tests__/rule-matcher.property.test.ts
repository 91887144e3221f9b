import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuleSet } from '../rule-matcher.js';
import type { AttributeCondition, RoutingRule, RuleMatch, RuleSubject } from '../routing-rule.entity.js';

// Small domains, so that random rules and messages often meet.
const CHANNELS = ['email', 'webchat', 'sms'];
const KINDS = ['email', 'phone', 'slack'];
const WORDS = ['refund', 'invoice', 'urgent', 'hello', 'Money', 'back'];
const TIERS = ['gold', 'silver', 'bronze'];
const T0 = new Date('2026-06-01T09:00:00.000Z');

const some = <T>(values: readonly T[]) => fc.option(fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: values.length }), { nil: undefined });
const tierCondition: fc.Arbitrary<AttributeCondition> = fc.oneof(fc.constantFrom(...TIERS), fc.record({ in: fc.uniqueArray(fc.constantFrom(...TIERS), { minLength: 1 }) }));

const matchArb: fc.Arbitrary<RuleMatch> = fc.record(
  {
    channels: some(CHANNELS),
    identityKinds: some(KINDS),
    keywords: fc.option(fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.constantFrom('money back', 'urgent refund')), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    attributes: fc.option(fc.record({ tier: tierCondition }), { nil: undefined }),
  },
  { requiredKeys: [] },
);

const rulesArb = fc
  .array(fc.record({ match: matchArb, enabled: fc.boolean() }), { maxLength: 8 })
  .chain((specs) =>
    fc.shuffledSubarray(
      specs.map((spec, i): RoutingRule => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `r${i}`, position: i + 1, enabled: spec.enabled, match: spec.match, actions: {}, createdAt: T0, updatedAt: T0 })),
      { minLength: specs.length, maxLength: specs.length },
    ),
  );

const subjectArb: fc.Arbitrary<RuleSubject> = fc.record({
  channel: fc.constantFrom(...CHANNELS),
  identityKind: fc.constantFrom(...KINDS),
  subject: fc.option(fc.array(fc.constantFrom(...WORDS, 'refunded', 'MONEY', '!!'), { maxLength: 4 }).map((w) => w.join(' ')), { nil: null }),
  text: fc.array(fc.constantFrom(...WORDS, 'refunded', 'URGENT', ',', '...'), { maxLength: 8 }).map((w) => w.join(' ')),
  attributes: fc.record({ tier: fc.constantFrom(...TIERS, undefined) }, { requiredKeys: [] }),
});

/** The rules' meaning written out directly, as the oracle. */
const holds = (match: RuleMatch, s: RuleSubject): boolean => {
  if (match.channels && !match.channels.includes(s.channel)) return false;
  if (match.identityKinds && !match.identityKinds.includes(s.identityKind)) return false;
  const tier = match.attributes?.['tier'];
  if (tier !== undefined && (typeof tier === 'object' ? !tier.in.includes(s.attributes['tier'] as string) : tier !== s.attributes['tier'])) return false;
  if (match.keywords) {
    const tokens = `${s.subject ?? ''} ${s.text}`.toLowerCase().split(/[^a-z]+/).filter(Boolean);
    const found = match.keywords.some((keyword) => {
      const wanted = keyword.toLowerCase().split(' ');
      return tokens.some((_, i) => wanted.every((w, j) => tokens[i + j] === w));
    });
    if (!found) return false;
  }
  return true;
};

describe('rule matcher properties', () => {
  it('answers the enabled rule with the lowest position among those that hold, whatever order the rules come in', () => {
    fc.assert(
      fc.property(rulesArb, subjectArb, (rules, subject) => {
        const expected = [...rules].sort((a, b) => a.position - b.position).find((r) => r.enabled && holds(r.match, subject)) ?? null;
        expect(new RuleSet(rules).first(subject)?.id ?? null).toBe(expected?.id ?? null);
      }),
      { numRuns: 500 },
    );
  });

  it('never answers a disabled rule, and answers nothing when every rule is disabled', () => {
    fc.assert(
      fc.property(rulesArb, subjectArb, (rules, subject) => {
        const found = new RuleSet(rules).first(subject);
        expect(found === null || found.enabled).toBe(true);
        expect(new RuleSet(rules.map((r) => ({ ...r, enabled: false }))).first(subject)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('a rule with no condition matches every message', () => {
    fc.assert(
      fc.property(subjectArb, (subject) => {
        expect(new RuleSet([{ id: '00000000-0000-4000-8000-000000000001', name: 'all', position: 1, enabled: true, match: {}, actions: {}, createdAt: T0, updatedAt: T0 }]).first(subject)).not.toBeNull();
      }),
    );
  });
});
