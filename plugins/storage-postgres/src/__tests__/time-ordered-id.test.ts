import { isId } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../repositories/typeorm-outbox.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  it('makes version 7 UUIDs that carry the time and grow within one millisecond', () => {
    const at = Date.UTC(2030, 0, 2, 3, 4, 5, 678);
    const ids = Array.from({ length: 5000 }, () => timeOrderedId(at));
    for (const id of ids) {
      expect(id).toMatch(V7);
      expect(isId(id)).toBe(true);
    }
    // Past 4096 ids in one millisecond the counter wraps into the next millisecond: still growing.
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Number.parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('keeps growing when the clock steps back', () => {
    const first = timeOrderedId(Date.UTC(2031, 0, 1));
    expect(timeOrderedId(Date.UTC(2031, 0, 1) - 5000) > first).toBe(true);
  });
});
