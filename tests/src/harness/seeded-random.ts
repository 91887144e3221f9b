/** A small seeded PRNG (mulberry32): the same seed gives the same sequence, so a run can be replayed. */
export class SeededRandom {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** A new generator seeded from this one: one stream per agent keeps each agent's choices replayable. */
  fork(): SeededRandom {
    return new SeededRandom(Math.floor(this.next() * 4_294_967_296));
  }
}

/** The seed named by `name` in the environment, else a fresh one (printed by the caller so a failure can be replayed). */
export const seedFromEnv = (name: string): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return Math.floor(Math.random() * 4_294_967_296);
  const seed = Number(raw);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`${name}: expected a non-negative integer, got '${raw}'`);
  return seed;
};
