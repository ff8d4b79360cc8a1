// Calendar dates (DESIGN §3.10): a ship-by, hold-until or estimated-delivery date is a day, not an instant. It travels
// as `YYYY-MM-DD`; a deadline on it ends when that day ends in the account's time zone. Pure: Intl's tz database only.

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a text is a real calendar date `YYYY-MM-DD` (2026-02-30 is not). */
export function isCalendarDate(value: string): boolean {
  const match = DATE.exec(value);
  if (match === null) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock an instant shows in a time zone, as if that wall clock were UTC (epoch ms). */
export function wallClockMs(instantMs: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(new Date(instantMs))
      .map((p) => [p.type, p.value]),
  );
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
}

/** The calendar date an instant falls on in a time zone, `YYYY-MM-DD`. */
export function calendarDateIn(instant: string | number, timeZone: string): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  return new Date(wallClockMs(ms, timeZone)).toISOString().slice(0, 10);
}

/**
 * The first instant of a calendar date in a time zone (UTC ISO). DST-exact: the offset is read at the instant found,
 * and where midnight does not exist (a zone that springs forward at 00:00) the day starts at the first instant it has.
 */
export function startOfDay(date: string, timeZone: string): string {
  const match = DATE.exec(date);
  if (match === null) throw new Error(`not a calendar date: ${date}`);
  const wall = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Two rounds settle the offset in force at the day's start (the first guess may sit across a DST change).
  let instant = wall - (wallClockMs(wall, timeZone) - wall);
  instant = wall - (wallClockMs(instant, timeZone) - instant);
  if (wallClockMs(instant, timeZone) === wall) return new Date(instant).toISOString();
  // Midnight was skipped: the day begins at the first second whose date is this one (dates only grow with time).
  let before = instant - 6 * 3_600_000;
  let after = instant + 6 * 3_600_000;
  while (after - before > 1000) {
    const middle = before + Math.floor((after - before) / 2000) * 1000;
    if (calendarDateIn(middle, timeZone) >= date) after = middle;
    else before = middle;
  }
  return new Date(after).toISOString();
}

/** The day after a calendar date, `YYYY-MM-DD`. */
export function nextDate(date: string): string {
  const match = DATE.exec(date);
  if (match === null) throw new Error(`not a calendar date: ${date}`);
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + 1)).toISOString().slice(0, 10);
}

/** The instant a calendar date is over in a time zone: the start of the next day there. */
export function endOfDay(date: string, timeZone: string): string {
  return startOfDay(nextDate(date), timeZone);
}

/**
 * The calendar date a date-only value names. `2026-04-30`, `2026-04-30T00:00:00` (no offset: the date as written) and
 * `2026-04-30T00:00:00-07:00` (an offset: the date in that offset, as its sender wrote it) all name 30 April.
 * @returns `YYYY-MM-DD`, or undefined when the text does not start with a real date
 */
export function calendarDateOf(value: string | null | undefined): string | undefined {
  const date = value?.trim().slice(0, 10);
  return date !== undefined && isCalendarDate(date) ? date : undefined;
}
