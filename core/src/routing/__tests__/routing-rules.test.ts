import { beforeEach, describe, expect, it } from 'vitest';
import { isDomainError } from '../../shared/domain-error.js';
import { newId } from '../../shared/ids.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock } from '../../testing/mothers.js';
import { RuleSet } from '../rule-matcher.js';
import type { RoutingRule, RuleMatch, RuleSubject } from '../routing-rule.entity.js';
import { ManageRouting } from '../use-cases/manage-routing.use-case.js';
import { ManageRoutingRules } from '../use-cases/manage-routing-rules.use-case.js';

const T0 = new Date('2026-06-01T09:00:00.000Z');
let position = 0;
const rule = (match: RuleMatch, extra: Partial<RoutingRule> = {}): RoutingRule => ({
  id: newId(),
  name: `rule ${(position += 1)}`,
  position,
  enabled: true,
  match,
  actions: {},
  createdAt: T0,
  updatedAt: T0,
  ...extra,
});
const subject = (s: Partial<RuleSubject> = {}): RuleSubject => ({ channel: 'email', subject: null, text: '', identityKind: 'email', attributes: {}, ...s });
const matches = (match: RuleMatch, s: Partial<RuleSubject>) => new RuleSet([rule(match)]).first(subject(s)) !== null;

const refusal = async (work: Promise<unknown>) => {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isDomainError(error)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
};

describe('rule matcher, one kind at a time', () => {
  it('channel: any of the listed channels', () => {
    expect(matches({ channels: ['email', 'webchat'] }, { channel: 'webchat' })).toBe(true);
    expect(matches({ channels: ['email', 'webchat'] }, { channel: 'slack' })).toBe(false);
  });

  it('keywords: case-insensitive whole words and phrases, in the subject or the text', () => {
    const refund = { keywords: ['refund', 'money back'] };
    expect(matches(refund, { subject: 'REFUND please' })).toBe(true);
    expect(matches(refund, { text: 'I want my Money   Back!' })).toBe(true);
    // Word match: a keyword inside another word is no match.
    expect(matches(refund, { text: 'the refunded amount' })).toBe(false);
    expect(matches(refund, { text: 'money, and back' })).toBe(false);
    expect(matches({ keywords: ['über'] }, { text: 'Frage ÜBER die Rechnung' })).toBe(true);
  });

  it('keywords and regex look only where `field` says', () => {
    expect(matches({ keywords: ['urgent'], field: 'subject' }, { subject: 'hello', text: 'urgent' })).toBe(false);
    expect(matches({ keywords: ['urgent'], field: 'subject' }, { subject: 'Urgent: help', text: '' })).toBe(true);
    expect(matches({ regex: { pattern: '^order #\\d+' }, field: 'text' }, { subject: 'order #12', text: 'hi' })).toBe(false);
  });

  it('regex: RE2 syntax, case-sensitive unless asked', () => {
    expect(matches({ regex: { pattern: 'INV-\\d{4}' } }, { text: 'about INV-2024' })).toBe(true);
    expect(matches({ regex: { pattern: 'INV-\\d{4}' } }, { text: 'about inv-2024' })).toBe(false);
    expect(matches({ regex: { pattern: 'INV-\\d{4}', caseInsensitive: true } }, { text: 'about inv-2024' })).toBe(true);
  });

  it('regex: a pattern that backtracks exponentially elsewhere answers at once on RE2, over a bounded input', () => {
    // (a+)+$ against a long run of a's and a final '!' takes forever on a backtracking engine.
    const evil = { regex: { pattern: '(a+)+$' } };
    expect(matches(evil, { text: `${'a'.repeat(10_000)}!` })).toBe(false);
    expect(matches(evil, { text: 'aaaa' })).toBe(true);
    // Only the first RULE_LIMITS.matchInput characters are looked at.
    expect(matches({ regex: { pattern: 'needle' } }, { text: `${'x'.repeat(20_000)} needle` })).toBe(false);
  });

  it('identity kind: any of the listed kinds', () => {
    expect(matches({ identityKinds: ['phone', 'slack'] }, { identityKind: 'phone' })).toBe(true);
    expect(matches({ identityKinds: ['phone', 'slack'] }, { identityKind: 'email' })).toBe(false);
  });

  it('customer attributes: equality and `in` lists, every one must hold', () => {
    const gold = { attributes: { tier: 'gold' } };
    expect(matches(gold, { attributes: { tier: 'gold' } })).toBe(true);
    expect(matches(gold, { attributes: { tier: 'silver' } })).toBe(false);
    expect(matches(gold, { attributes: {} })).toBe(false);
    const region = { attributes: { tier: 'gold', region: { in: ['EU', 'UK'] } } };
    expect(matches(region, { attributes: { tier: 'gold', region: 'UK' } })).toBe(true);
    expect(matches(region, { attributes: { tier: 'gold', region: 'US' } })).toBe(false);
    // Values compare as JSON values: the number 1 is not the string '1'.
    expect(matches({ attributes: { seats: 1 } }, { attributes: { seats: '1' } })).toBe(false);
    expect(matches({ attributes: { vip: true } }, { attributes: { vip: true } })).toBe(true);
  });

  it('conditions add up: every one given must hold', () => {
    const both = { channels: ['email'], keywords: ['invoice'] };
    expect(matches(both, { channel: 'email', text: 'my invoice' })).toBe(true);
    expect(matches(both, { channel: 'webchat', text: 'my invoice' })).toBe(false);
    expect(matches(both, { channel: 'email', text: 'hello' })).toBe(false);
  });

  it('a stored rule whose pattern cannot compile is left out, never stopping the others', () => {
    const broken = rule({ regex: { pattern: '(a)\\1' } }, { position: 1 });
    const fallback = rule({}, { position: 2 });
    expect(new RuleSet([broken, fallback]).first(subject({ text: 'aa' }))?.id).toBe(fallback.id);
  });

  it('first match wins by position; a disabled rule never matches', () => {
    const first = rule({ keywords: ['invoice'] }, { position: 1 });
    const second = rule({}, { position: 2 });
    const off = rule({}, { position: 0, enabled: false });
    const rules = new RuleSet([second, first, off]);
    expect(rules.first(subject({ text: 'invoice 12' }))?.id).toBe(first.id);
    expect(rules.first(subject({ text: 'hello' }))?.id).toBe(second.id);
    expect(new RuleSet([off]).first(subject())).toBeNull();
  });
});

describe('managing routing rules', () => {
  let store: InMemoryStore;
  let rules: ManageRoutingRules;
  let routing: ManageRouting;

  beforeEach(async () => {
    store = new InMemoryStore();
    const clock = aClock();
    rules = new ManageRoutingRules(store, clock);
    routing = new ManageRouting(store, clock);
    await routing.ensureDefaultQueue();
  });

  const order = async () => (await rules.list({ limit: 100 })).items.map((r) => [r.position, r.name]);

  it('keeps positions 1…n: appends by default, inserts at a position, moves by update, closes gaps on delete', async () => {
    const a = await rules.create({ name: 'a' });
    await rules.create({ name: 'b' });
    const c = await rules.create({ name: 'c', position: 1 });
    expect(c.position).toBe(1);
    expect(await order()).toEqual([[1, 'c'], [2, 'a'], [3, 'b']]);
    expect((await rules.update(c.id, { position: 3 })).position).toBe(3);
    expect(await order()).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
    await rules.update(c.id, { position: 99 });
    expect(await order()).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
    await rules.delete(a.id);
    expect(await order()).toEqual([[1, 'b'], [2, 'c']]);
    const page = await rules.list({ limit: 1 });
    expect(page.items.map((r) => r.name)).toEqual(['b']);
    expect((await rules.list({ limit: 1, cursor: page.nextCursor ?? '' })).items.map((r) => r.name)).toEqual(['c']);
  });

  it('refuses an unknown queue, a pattern RE2 cannot run, a keyword without words; nothing is stored', async () => {
    // The set-up's queues moved the version already (it counts queue writes too): refusals leave it.
    const version = await store.read((s) => s.routingRules.version());
    expect(await refusal(rules.create({ name: 'x', actions: { queue: 'nowhere' } }))).toMatchObject({ kind: 'invalid', field: 'actions.queue' });
    expect(await refusal(rules.create({ name: 'x', match: { regex: { pattern: '(a)\\1' } } }))).toMatchObject({ kind: 'invalid', field: 'match.regex.pattern' });
    expect(await refusal(rules.create({ name: 'x', match: { regex: { pattern: '(?=lookahead)' } } }))).toMatchObject({ field: 'match.regex.pattern' });
    expect(await refusal(rules.create({ name: 'x', match: { keywords: ['ok', '!!!'] } }))).toMatchObject({ field: 'match.keywords.1' });
    expect(await refusal(rules.create({ name: 'x', actions: { skills: { vip: 9 } } }))).toMatchObject({ field: 'actions.skills.vip' });
    expect((await rules.list({ limit: 10 })).items).toEqual([]);
    expect(await store.read((s) => s.routingRules.version())).toBe(version);
  });

  it("a queue a rule sends to cannot be deleted while the rule stands", async () => {
    const q = await routing.createQueue({ name: 'vip' });
    const r = await rules.create({ name: 'to vip', actions: { queue: 'vip' } });
    expect(await refusal(routing.deleteQueue(q.id))).toMatchObject({ kind: 'conflict', code: 'QUEUE.IN_USE' });
    await rules.delete(r.id);
    await routing.deleteQueue(q.id);
  });
});
