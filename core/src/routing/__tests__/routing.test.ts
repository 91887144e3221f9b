import { describe, expect, it } from 'vitest';
import type { Agent } from '../agent.entity.js';
import { eligibleFor, fits, type Candidate } from '../eligibility.js';
import { costFor } from '../queue.entity.js';
import { chooseAgent } from '../strategies.js';

const agent = (id: string, overrides: Partial<Agent> = {}): Agent => ({
  id,
  name: id,
  email: null,
  skills: {},
  capacity: { units: 100, perChannel: {} },
  presence: 'available',
  presenceSince: new Date('2026-01-01T00:00:00Z'),
  desk: {},
  lastOfferAt: null,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  updatedAt: new Date('2026-01-01T00:00:00Z'),
  ...overrides,
});
const free = (a: Agent, units = 0, perChannel: Record<string, number> = {}): Candidate => ({ agent: a, load: { units, perChannel } });
const item = { channel: 'chat', skills: { billing: 2 }, cost: 25, excludedAgents: [] as string[] };

describe('capacity', () => {
  it('fits one call or four chats in 100 units', () => {
    const a = agent('a');
    expect(fits(a, { units: 75, perChannel: {} }, 'chat', 25)).toBe(true);
    expect(fits(a, { units: 100, perChannel: {} }, 'chat', 25)).toBe(false);
    expect(fits(a, { units: 0, perChannel: {} }, 'voice', 100)).toBe(true);
  });

  it('respects a per-channel maximum on top of units', () => {
    const a = agent('a', { capacity: { units: 100, perChannel: { chat: 2 } } });
    expect(fits(a, { units: 50, perChannel: { chat: 2 } }, 'chat', 25)).toBe(false);
    expect(fits(a, { units: 50, perChannel: { chat: 2 } }, 'email', 10)).toBe(true);
  });

  it('prices items per channel with a default', () => {
    expect(costFor({ cost: 10 }, 'chat')).toBe(10);
    expect(costFor({ cost: { chat: 25, default: 5 } }, 'chat')).toBe(25);
    expect(costFor({ cost: { chat: 25, default: 5 } }, 'email')).toBe(5);
    expect(costFor({ cost: { chat: 25 } }, 'email')).toBe(10);
  });
});

describe('eligibility', () => {
  it('explains why nobody is eligible', () => {
    expect(eligibleFor(item, []).reasons[0]?.code).toBe('nobody_available');
    expect(eligibleFor(item, [free(agent('a', { skills: { billing: 1 } }))]).reasons[0]?.code).toBe('no_skilled_agent');
    expect(eligibleFor(item, [free(agent('a', { skills: { billing: 3 } }), 90)]).reasons[0]?.code).toBe('all_at_capacity');
    expect(eligibleFor({ ...item, excludedAgents: ['a'] }, [free(agent('a', { skills: { billing: 3 } }))]).reasons[0]?.code).toBe('declined_by_all');
  });

  it('keeps a declining agent out while another is eligible', () => {
    const a = free(agent('a', { skills: { billing: 3 } }));
    const b = free(agent('b', { skills: { billing: 2 } }));
    expect(eligibleFor({ ...item, excludedAgents: ['a'] }, [a, b]).eligible.map((c) => c.agent.id)).toEqual(['b']);
  });
});

describe('strategies', () => {
  const early = new Date('2026-01-01T08:00:00Z');
  const late = new Date('2026-01-01T09:00:00Z');
  const a = free(agent('a', { lastOfferAt: late, skills: { billing: 5 } }), 50);
  const b = free(agent('b', { lastOfferAt: early, skills: { billing: 2 } }), 10);
  const c = free(agent('c', { lastOfferAt: null, presenceSince: late, skills: { billing: 3 }, capacity: { units: 200, perChannel: {} } }), 60);

  it('longest-idle picks the oldest last offer', () => {
    expect(chooseAgent('longest-idle', [a, b, c], item.skills)?.agent.id).toBe('b');
  });
  it('least-occupied picks the fewest units in use', () => {
    expect(chooseAgent('least-occupied', [a, b, c], item.skills)?.agent.id).toBe('b');
  });
  it('most-available picks the most free units', () => {
    expect(chooseAgent('most-available', [a, b, c], item.skills)?.agent.id).toBe('c');
  });
  it('best-skill picks the highest level', () => {
    expect(chooseAgent('best-skill', [a, b, c], item.skills)?.agent.id).toBe('a');
  });
  it('round-robin starts with agents never offered', () => {
    expect(chooseAgent('round-robin', [a, b, c], item.skills)?.agent.id).toBe('c');
  });
  it('answers null without candidates', () => {
    expect(chooseAgent('longest-idle', [], {})).toBeNull();
  });
});
