import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../shared/domain-error.js';
import { BusinessClock, parseBusinessHours, WEEKDAYS, type BusinessHours, type TimeInterval } from '../business-hours.js';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);

const weekdays9to17: BusinessHours = {
  timeZone: 'Europe/Berlin',
  weekly: { mon: [{ start: '09:00', end: '17:00' }], tue: [{ start: '09:00', end: '17:00' }], wed: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }], thu: [{ start: '09:00', end: '17:00' }], fri: [{ start: '09:00', end: '17:00' }] },
  holidays: [{ date: '2026-12-25' }, { date: '2026-12-24', open: [{ start: '09:00', end: '12:00' }] }],
};

const fieldOf = (input: unknown): string | undefined => {
  try {
    parseBusinessHours(input);
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error.field;
    throw error;
  }
};

describe('business hours: validation', () => {
  it('accepts a schedule with several intervals, one across midnight, and holidays', () => {
    expect(parseBusinessHours(weekdays9to17)).toEqual(weekdays9to17);
    expect(parseBusinessHours({ timeZone: 'UTC', weekly: { sat: [{ start: '22:00', end: '02:00' }, { start: '08:00', end: '24:00' }] } }).weekly.sat).toHaveLength(2);
  });

  it('names the field at fault', () => {
    expect(fieldOf({ timeZone: 'Mars/Olympus', weekly: {} })).toBe('businessHours.timeZone');
    expect(fieldOf({ timeZone: 'UTC', weekly: { mon: [{ start: '09:00', end: '25:00' }] } })).toBe('businessHours.weekly.mon[0].end');
    expect(fieldOf({ timeZone: 'UTC', weekly: { mon: [{ start: '09:00', end: '17:00' }, { start: '9am', end: '17:00' }] } })).toBe('businessHours.weekly.mon[1].start');
    expect(fieldOf({ timeZone: 'UTC', weekly: { mon: [{ start: '09:00', end: '09:00' }] } })).toBe('businessHours.weekly.mon[0].end');
    expect(fieldOf({ timeZone: 'UTC', weekly: { monday: [] } })).toBe('businessHours.weekly.monday');
    expect(fieldOf({ timeZone: 'UTC', weekly: {}, holidays: [{ date: '2026-02-30' }] })).toBe('businessHours.holidays[0].date');
    expect(fieldOf({ timeZone: 'UTC', weekly: {}, holidays: [{ date: '2026-01-01' }, { date: '2026-01-01' }] })).toBe('businessHours.holidays[1].date');
    expect(fieldOf({ timeZone: 'UTC', weekly: {}, holidays: [{ date: '2026-01-01', open: [{ start: '10:00' }] }] })).toBe('businessHours.holidays[0].open[0].end');
    expect(fieldOf({ timeZone: 'UTC', weekly: {}, extra: 1 })).toBe('businessHours.extra');
    expect(fieldOf('always')).toBe('businessHours');
  });
});

describe('business hours: the clock', () => {
  const clock = BusinessClock.of(weekdays9to17);

  it('is open in an interval and closed outside, on holidays and in a lunch break', () => {
    expect(clock.isOpen(at('2026-12-01T08:30:00Z'))).toBe(true); // Tue 09:30 CET
    expect(clock.isOpen(at('2026-12-01T07:59:00Z'))).toBe(false); // Tue 08:59
    expect(clock.isOpen(at('2026-12-02T11:30:00Z'))).toBe(false); // Wed 12:30, lunch
    expect(clock.isOpen(at('2026-12-05T10:00:00Z'))).toBe(false); // Saturday
    expect(clock.isOpen(at('2026-12-25T10:00:00Z'))).toBe(false); // Christmas, a Friday
    expect(clock.isOpen(at('2026-12-24T10:00:00Z'))).toBe(true); // Christmas Eve 11:00, half day
    expect(clock.isOpen(at('2026-12-24T12:00:00Z'))).toBe(false); // Christmas Eve 13:00
  });

  it('finds the next opening across a weekend and a holiday', () => {
    expect(clock.nextOpen(at('2026-12-05T10:00:00Z'))).toEqual(at('2026-12-07T08:00:00Z'));
    expect(clock.nextOpen(at('2026-12-24T12:00:00Z'))).toEqual(at('2026-12-28T08:00:00Z'));
    expect(clock.nextOpen(at('2026-12-01T09:00:00Z'))).toEqual(at('2026-12-01T09:00:00Z'));
    expect(BusinessClock.of({ timeZone: 'UTC', weekly: {} }).nextOpen(at('2026-12-01T09:00:00Z'))).toBeNull();
  });

  it('counts business time only and adds it to find a due date', () => {
    // Friday 16:00 to Monday 10:00 Berlin: 1 h Friday, 1 h Monday.
    expect(clock.elapsedMs(at('2026-12-04T15:00:00Z'), at('2026-12-07T09:00:00Z'))).toBe(2 * HOUR);
    expect(clock.addMs(at('2026-12-04T15:00:00Z'), 2 * HOUR)).toEqual(at('2026-12-07T09:00:00Z'));
    expect(BusinessClock.of(null).elapsedMs(at('2026-12-04T15:00:00Z'), at('2026-12-05T15:00:00Z'))).toBe(24 * HOUR);
  });

  it('follows DST: a 24-hour Sunday lasts 23 h in spring and 25 h in autumn', () => {
    for (const timeZone of ['Europe/Berlin', 'America/New_York']) {
      const always = BusinessClock.of({ timeZone, weekly: { sun: [{ start: '00:00', end: '24:00' }] } });
      const [spring, fall] = timeZone === 'Europe/Berlin' ? ['2026-03-29', '2026-10-25'] : ['2026-03-08', '2026-11-01'];
      // Noon UTC the day before to noon UTC the day after holds exactly that one Sunday.
      const dayLength = (sunday: string) => {
        const noon = at(`${sunday}T12:00:00Z`).getTime();
        return always.elapsedMs(new Date(noon - 24 * HOUR), new Date(noon + 24 * HOUR));
      };
      expect(dayLength(spring)).toBe(23 * HOUR);
      expect(dayLength(fall)).toBe(25 * HOUR);
    }
  });

  it('keeps local opening times across a DST change (09:00 local is 08:00 UTC in winter, 07:00 in summer)', () => {
    const berlin = BusinessClock.of({ timeZone: 'Europe/Berlin', weekly: { mon: [{ start: '09:00', end: '10:00' }] } });
    expect(berlin.nextOpen(at('2026-03-24T00:00:00Z'))).toEqual(at('2026-03-30T07:00:00Z'));
    expect(berlin.nextOpen(at('2026-03-17T00:00:00Z'))).toEqual(at('2026-03-23T08:00:00Z'));
    const ny = BusinessClock.of({ timeZone: 'America/New_York', weekly: { mon: [{ start: '09:00', end: '10:00' }] } });
    expect(ny.nextOpen(at('2026-11-01T00:00:00Z'))).toEqual(at('2026-11-02T14:00:00Z'));
    expect(ny.nextOpen(at('2026-10-25T00:00:00Z'))).toEqual(at('2026-10-26T13:00:00Z'));
  });

  it('keeps an interval across midnight open into the next day, even when that day is a holiday', () => {
    const night = BusinessClock.of({ timeZone: 'America/New_York', weekly: { thu: [{ start: '22:00', end: '02:00' }] }, holidays: [{ date: '2026-12-25' }] });
    expect(night.isOpen(at('2026-12-25T06:30:00Z'))).toBe(true); // Fri 01:30 EST, from Thursday's shift
    expect(night.isOpen(at('2026-12-25T07:30:00Z'))).toBe(false);
    expect(night.elapsedMs(at('2026-12-24T00:00:00Z'), at('2026-12-26T00:00:00Z'))).toBe(4 * HOUR);
  });
});

// Arbitrary schedules in the zones with the DST changes that matter, over 2026.
const hhmm = fc.integer({ min: 0, max: 95 }).map((q) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`);
const interval: fc.Arbitrary<TimeInterval> = fc
  .tuple(hhmm, fc.oneof(hhmm, fc.constant('24:00')))
  .filter(([s, e]) => s !== e)
  .map(([start, end]) => ({ start, end }));
const schedule: fc.Arbitrary<BusinessHours> = fc.record({
  timeZone: fc.constantFrom('Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Kolkata', 'Australia/Lord_Howe'),
  weekly: fc.dictionary(fc.constantFrom(...WEEKDAYS), fc.array(interval, { maxLength: 3 })),
  holidays: fc.uniqueArray(
    fc.record({ date: fc.integer({ min: 0, max: 364 }).map((d) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10)), open: fc.option(fc.array(interval, { maxLength: 2 }), { nil: undefined }) }),
    { selector: (h) => h.date, maxLength: 8 },
  ).map((hs) => hs.map((h) => (h.open === undefined ? { date: h.date } : h))),
});
// Instants in 2026, biased towards the DST weekends.
const dstInstants = ['2026-03-08T07:00:00Z', '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-11-01T06:00:00Z'].map((iso) => at(iso).getTime());
const instant = fc.oneof(
  fc.integer({ min: at('2026-01-01T00:00:00Z').getTime(), max: at('2026-12-31T00:00:00Z').getTime() }),
  fc.tuple(fc.constantFrom(...dstInstants), fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 })).map(([t, d]) => t + d),
);
// Three ordered instants within three weeks of each other, so every span crosses a few days' schedules.
const sorted3 = fc
  .tuple(instant, fc.integer({ min: 0, max: 21 * 86_400_000 }), fc.integer({ min: 0, max: 21 * 86_400_000 }))
  .map(([t, d1, d2]) => [t, t + d1, t + d2].sort((x, y) => x - y).map((n) => new Date(n)) as [Date, Date, Date]);

describe('business hours: properties', () => {
  it('elapsed is additive and never exceeds wall time', () => {
    fc.assert(
      fc.property(schedule, sorted3, (hours, [a, b, c]) => {
        const clock = BusinessClock.of(parseBusinessHours(hours));
        const ab = clock.elapsedMs(a, b);
        const bc = clock.elapsedMs(b, c);
        expect(ab + bc).toBe(clock.elapsedMs(a, c));
        expect(ab).toBeGreaterThanOrEqual(0);
        expect(ab).toBeLessThanOrEqual(b.getTime() - a.getTime());
      }),
      { numRuns: 100 },
    );
  });

  it('closed time adds nothing: from a closed instant to the next opening elapses 0', () => {
    fc.assert(
      fc.property(schedule, instant, (hours, t) => {
        const clock = BusinessClock.of(parseBusinessHours(hours));
        const from = new Date(t);
        const next = clock.nextOpen(from);
        if (next === null) return;
        expect(clock.elapsedMs(from, next)).toBe(0);
        expect(clock.isOpen(next)).toBe(true);
        if (!clock.isOpen(from)) expect(next.getTime()).toBeGreaterThan(t);
      }),
      { numRuns: 100 },
    );
  });

  it('a due date found by adding business time elapses exactly that time', () => {
    fc.assert(
      fc.property(schedule, instant, fc.integer({ min: 1, max: 40 * HOUR }), (hours, t, ms) => {
        const clock = BusinessClock.of(parseBusinessHours(hours));
        const due = clock.addMs(new Date(t), ms);
        if (due === null) return;
        expect(clock.elapsedMs(new Date(t), due)).toBe(ms);
      }),
      { numRuns: 100 },
    );
  });

  it('is open exactly where time elapses: a small step from an open instant counts fully', () => {
    fc.assert(
      fc.property(schedule, instant, (hours, t) => {
        const clock = BusinessClock.of(parseBusinessHours(hours));
        const open = clock.isOpen(new Date(t));
        const step = clock.elapsedMs(new Date(t), new Date(t + 1));
        expect(step).toBe(open ? 1 : 0);
      }),
      { numRuns: 150 },
    );
  });
});
