/** Time, behind a port so tests can move it. */
export interface Clock {
  now(): Date;
}
export const Clock = Symbol.for('switchboard.Clock');

export const systemClock: Clock = { now: () => new Date() };
