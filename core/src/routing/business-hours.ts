import { DateTime, IANAZone } from 'luxon';
import { invalid } from '../shared/domain-error.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * Local wall-clock times `HH:MM`; `end` may be `24:00`. An `end` at or before `start` crosses
 * midnight: `{start: '22:00', end: '02:00'}` on Monday is open Monday 22:00 to Tuesday 02:00.
 */
export interface TimeInterval {
  start: string;
  end: string;
}

/** A date (`YYYY-MM-DD`, local) whose own `open` intervals replace the weekly ones: none means closed all day. */
export interface Holiday {
  date: string;
  open?: TimeInterval[];
}

export interface BusinessHours {
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timeZone: string;
  weekly: Partial<Record<Weekday, TimeInterval[]>>;
  holidays?: Holiday[];
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_INTERVALS = 12;
const MAX_HOLIDAYS = 1000;
const DAY_MS = 86_400_000;

const minutesOf = (hhmm: string): number => {
  if (hhmm === '24:00') return 1440;
  const match = TIME.exec(hhmm);
  return match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
};

const bad = (field: string, message: string) => invalid('QUEUE.INVALID_BUSINESS_HOURS', `${field}: ${message}`, field);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const onlyKeys = (value: Record<string, unknown>, allowed: readonly string[], field: string) => {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) throw bad(`${field}.${key}`, 'unknown field');
};

const parseIntervals = (value: unknown, field: string): TimeInterval[] => {
  if (!Array.isArray(value)) throw bad(field, 'a list of {start, end} intervals');
  if (value.length > MAX_INTERVALS) throw bad(field, `at most ${MAX_INTERVALS} intervals`);
  return value.map((raw: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(raw)) throw bad(at, 'an object {start, end}');
    onlyKeys(raw, ['start', 'end'], at);
    const { start, end } = raw;
    if (typeof start !== 'string' || !TIME.test(start)) throw bad(`${at}.start`, 'a time HH:MM from 00:00 to 23:59');
    if (typeof end !== 'string' || (end !== '24:00' && !TIME.test(end))) throw bad(`${at}.end`, 'a time HH:MM from 00:00 to 24:00');
    if (minutesOf(start) === minutesOf(end)) throw bad(`${at}.end`, 'differs from start (use 00:00–24:00 for a whole day)');
    return { start, end };
  });
};

/** Checks input against the business-hours shape; a fault is a 422 naming the field (`businessHours.weekly.mon[0].end`). */
export const parseBusinessHours = (input: unknown, field = 'businessHours'): BusinessHours => {
  if (!isRecord(input)) throw bad(field, 'an object {timeZone, weekly, holidays?}');
  onlyKeys(input, ['timeZone', 'weekly', 'holidays'], field);
  const { timeZone, weekly, holidays } = input;
  if (typeof timeZone !== 'string' || !IANAZone.isValidZone(timeZone)) throw bad(`${field}.timeZone`, `unknown IANA time zone '${String(timeZone)}'`);
  if (!isRecord(weekly)) throw bad(`${field}.weekly`, 'an object of weekdays (mon … sun) to intervals');
  const parsedWeekly: Partial<Record<Weekday, TimeInterval[]>> = {};
  for (const [day, intervals] of Object.entries(weekly)) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) throw bad(`${field}.weekly.${day}`, 'not a weekday (mon, tue, wed, thu, fri, sat, sun)');
    parsedWeekly[day as Weekday] = parseIntervals(intervals, `${field}.weekly.${day}`);
  }
  const result: BusinessHours = { timeZone, weekly: parsedWeekly };
  if (holidays !== undefined) {
    if (!Array.isArray(holidays)) throw bad(`${field}.holidays`, 'a list of {date, open?}');
    if (holidays.length > MAX_HOLIDAYS) throw bad(`${field}.holidays`, `at most ${MAX_HOLIDAYS} holidays`);
    const seen = new Set<string>();
    result.holidays = holidays.map((raw: unknown, i) => {
      const at = `${field}.holidays[${i}]`;
      if (!isRecord(raw)) throw bad(at, 'an object {date, open?}');
      onlyKeys(raw, ['date', 'open'], at);
      const { date, open } = raw;
      if (typeof date !== 'string' || !DATE.test(date) || !DateTime.fromISO(date, { zone: timeZone }).isValid) throw bad(`${at}.date`, 'a date YYYY-MM-DD');
      if (seen.has(date)) throw bad(`${at}.date`, `${date} is listed twice`);
      seen.add(date);
      return open === undefined ? { date } : { date, open: parseIntervals(open, `${at}.open`) };
    });
  }
  return result;
};

type Span = readonly [number, number];

/**
 * When a queue is open, in instants. The schedule is local time in its zone; luxon maps each
 * local day's intervals to instants, so DST changes are the zone database's business, not ours.
 * `null` business hours mean always open. Times are milliseconds since the epoch.
 */
export class BusinessClock {
  private static readonly made = new WeakMap<BusinessHours, BusinessClock>();
  private static readonly always = new BusinessClock(null);
  private readonly holidays: Map<string, TimeInterval[]>;
  // Open spans of each local day (by the instant of its midnight), so repeated questions skip luxon.
  private readonly days = new Map<number, { spans: Span[]; next: DateTime }>();

  // Without weekly intervals only holidays can open: nothing after the last of them.
  private readonly horizon: number;

  constructor(private readonly hours: BusinessHours | null) {
    this.holidays = new Map((hours?.holidays ?? []).map((h) => [h.date, h.open ?? []]));
    const weeklyOpen = Object.values(hours?.weekly ?? {}).some((intervals) => intervals.length > 0);
    const lastOpenHoliday = (hours?.holidays ?? []).filter((h) => (h.open ?? []).length > 0).reduce((max, h) => Math.max(max, Date.parse(`${h.date}T00:00:00Z`)), Number.NEGATIVE_INFINITY);
    this.horizon = weeklyOpen ? Number.POSITIVE_INFINITY : lastOpenHoliday + 3 * DAY_MS;
  }

  /** One clock per business-hours object (queues read in one session share it). */
  static of(hours: BusinessHours | null | undefined): BusinessClock {
    if (!hours) return BusinessClock.always;
    let clock = BusinessClock.made.get(hours);
    if (!clock) {
      clock = new BusinessClock(hours);
      BusinessClock.made.set(hours, clock);
    }
    return clock;
  }

  get alwaysOpen(): boolean {
    return this.hours === null;
  }

  isOpen(at: Date): boolean {
    if (!this.hours) return true;
    const t = at.getTime();
    return this.spans(t - 2 * DAY_MS, t + 2 * DAY_MS).some(([s, e]) => s <= t && t < e);
  }

  /** `at` itself when open, else the next opening; `null` when the schedule never opens again (within two years). */
  nextOpen(at: Date): Date | null {
    if (!this.hours) return at;
    const t = at.getTime();
    for (let from = t; from < Math.min(t + 730 * DAY_MS, this.horizon); from += 14 * DAY_MS) {
      const hit = this.spans(from, from + 14 * DAY_MS).find(([, e]) => e > t);
      if (hit) return new Date(Math.max(hit[0], t));
    }
    return null;
  }

  /** Open time between two instants, in milliseconds; 0 when `to` is not after `from`. */
  elapsedMs(from: Date, to: Date): number {
    const a = from.getTime();
    const b = to.getTime();
    if (b <= a) return 0;
    if (!this.hours) return b - a;
    return this.spans(a, b).reduce((sum, [s, e]) => sum + (e - s), 0);
  }

  /** The instant when `ms` of open time have passed since `from` (a due date); `null` if never. */
  addMs(from: Date, ms: number): Date | null {
    if (!this.hours) return new Date(from.getTime() + ms);
    let left = ms;
    const t = from.getTime();
    for (let start = t; start < Math.min(t + 730 * DAY_MS, this.horizon); start += 14 * DAY_MS) {
      for (const [s, e] of this.spans(start, start + 14 * DAY_MS)) {
        if (e - s >= left) return new Date(s + left);
        left -= e - s;
      }
    }
    return null;
  }

  /** Open spans clipped to [from, to), merged and in order. */
  private spans(from: number, to: number): Span[] {
    const hours = this.hours;
    if (!hours) return [[from, to]];
    const zone = hours.timeZone;
    const raw: Span[] = [];
    // Start a day early: the previous day's interval may cross midnight into the range.
    let day: DateTime = DateTime.fromMillis(from, { zone }).startOf('day').minus({ days: 1 });
    const last = DateTime.fromMillis(to, { zone }).startOf('day').toMillis();
    while (day.toMillis() <= last) {
      const { spans, next } = this.day(day, hours);
      for (const [s, e] of spans) {
        const cs = Math.max(s, from);
        const ce = Math.min(e, to);
        if (ce > cs) raw.push([cs, ce]);
      }
      day = next;
    }
    raw.sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const [s, e] of raw) {
      const top = merged[merged.length - 1];
      if (top && s <= top[1]) top[1] = Math.max(top[1], e);
      else merged.push([s, e]);
    }
    return merged;
  }

  private day(day: DateTime, hours: BusinessHours): { spans: Span[]; next: DateTime } {
    const key = day.toMillis();
    const known = this.days.get(key);
    if (known) return known;
    const zone = hours.timeZone;
    const intervals = this.holidays.get(day.toISODate() ?? '') ?? hours.weekly[WEEKDAYS[day.weekday - 1] ?? 'mon'] ?? [];
    const spans: Span[] = intervals.map(({ start, end }) => {
      const startMin = minutesOf(start);
      const endMin = minutesOf(end);
      return [localInstant(day, startMin, zone), localInstant(endMin <= startMin ? day.plus({ days: 1 }) : day, endMin, zone)] as const;
    });
    const entry = { spans, next: day.plus({ days: 1 }) };
    if (this.days.size > 4000) this.days.clear();
    this.days.set(key, entry);
    return entry;
  }
}

// A local wall time on a local day; a time inside a spring-forward gap moves forward, as luxon does.
const localInstant = (day: DateTime, minutes: number, zone: string): number => {
  if (minutes === 1440) return day.plus({ days: 1 }).startOf('day').toMillis();
  return DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour: Math.floor(minutes / 60), minute: minutes % 60 }, { zone }).toMillis();
};

/** The explainer's `outside_hours` reason when the queue is closed at `now`, else `null`. */
export const outsideHoursReason = (hours: BusinessHours | null, now: Date): { code: 'outside_hours'; detail: string } | null => {
  const clock = BusinessClock.of(hours);
  if (!hours || clock.isOpen(now)) return null;
  const next = clock.nextOpen(now);
  const local = next ? DateTime.fromJSDate(next, { zone: hours.timeZone }).toISO({ suppressMilliseconds: true }) : null;
  return { code: 'outside_hours', detail: local ? `the queue is closed until ${local} (${hours.timeZone})` : `the queue's business hours never open (${hours.timeZone})` };
};
