// ShipStation V1 speaks Pacific wall-clock time without an offset (PST/PDT). Offsets come from the runtime's tz
// database (Intl, through lib/domain/calendar.ts), never hand-rolled, so both DST transitions are exact.

import { wallClockMs } from '../domain/calendar.js';

export const SHIPSTATION_ZONE = 'America/Los_Angeles';

const HOUR = 3_600_000;

/**
 * The timestamp forms ShipStation and the APIs we read use: a date, optionally a time (`T` or a space; minutes, seconds
 * and a fraction with `.` or `,` optional), and with a time optionally `Z` or an offset (`+07:00`, `-0800`, `+07`).
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** A timestamp's wall clock as if it were UTC (epoch ms), and its offset in minutes when it names one. */
function readTimestamp(text: string): { wall: number; offsetMinutes?: number } | undefined {
  const match = TIMESTAMP.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(match[i] ?? 0)) as [number, number, number, number, number, number];
  const millisecond = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  // 24:00 is the next midnight (ISO 8601), and only 24:00 exactly.
  const midnightAfter = hour === 24 && minute === 0 && second === 0 && millisecond === 0;
  if ((hour > 23 && !midnightAfter) || minute > 59 || second > 59) return undefined;
  const wall = date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + millisecond;
  const offset = match[8];
  if (offset === undefined) return { wall };
  if (offset.toUpperCase() === 'Z') return { wall, offsetMinutes: 0 };
  const [, sign, hours, minutes] = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset) ?? [];
  if (Number(hours) > 23 || Number(minutes ?? 0) > 59) return undefined;
  return { wall, offsetMinutes: (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes ?? 0)) };
}

/** An instant (epoch ms) without its milliseconds: Intl's wall clock shows whole seconds. */
const toSecond = (ms: number): number => ms - (((ms % 1000) + 1000) % 1000);

/** Los Angeles' offset from UTC at an instant, in ms (its wall clock read as UTC, less the instant). */
const pacificOffsetMs = (instant: number): number => wallClockMs(instant, SHIPSTATION_ZONE) - toSecond(instant);

/**
 * Converts a ShipStation timestamp (`2015-06-29T08:46:27.0000000`, `2016-11-29 23:59:59` or `2015-07-02`) to a UTC
 * ISO-8601 instant. In the repeated hour of the November fall-back the earlier (PDT) reading is taken; a time inside
 * the skipped March hour is moved forward by the gap, as ShipStation itself cannot have produced it.
 * A value that already carries an offset or `Z` is honoured as such. Fractions beyond the millisecond are cut.
 * @returns the instant, or undefined when the text is empty or not one of the forms above (or names a day, hour or
 *   offset that does not exist)
 */
export function pacificToUtc(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const read = readTimestamp(value.trim());
  if (read === undefined) return undefined;
  const { wall, offsetMinutes } = read;
  if (offsetMinutes !== undefined) return new Date(wall - offsetMinutes * 60_000).toISOString();
  // Both Pacific offsets, earlier reading first: the one whose instant shows this wall clock in Los Angeles.
  const reading = [7, 8].map((hours) => wall + hours * HOUR).find((instant) => wall - instant === pacificOffsetMs(instant));
  if (reading !== undefined) return new Date(reading).toISOString();
  // Inside the skipped spring-forward hour no reading exists: read it with the offset in force before the gap (a day
  // earlier), which lands the same distance past the gap.
  return new Date(wall - pacificOffsetMs(wall + 8 * HOUR - 24 * HOUR)).toISOString();
}

/**
 * Formats an instant as a ShipStation query filter: Pacific `yyyy-MM-dd HH:mm:ss`.
 * @throws RangeError for an invalid Date
 */
export function toPacificQuery(instant: Date): string {
  return new Date(wallClockMs(instant.getTime(), SHIPSTATION_ZONE)).toISOString().slice(0, 19).replace('T', ' ');
}

/** Keeps a ShipStation calendar date (`2015-07-02` or a Pacific timestamp) as `yyyy-MM-dd`. */
export function pacificDate(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})/.exec(value.trim());
  return match?.[1];
}

/**
 * Formats the lower bound of a date filter. In the repeated hour of the November fall-back a wall-clock time names two
 * instants and ShipStation may read it as the later one, so the bound is moved an hour back there: reading a few rows
 * twice is harmless (dedupe), missing an hour is not.
 */
export function toPacificQueryLowerBound(instant: Date): string {
  const wall = toPacificQuery(instant);
  const ambiguous = [-HOUR, HOUR].some((shift) => toPacificQuery(new Date(instant.getTime() + shift)) === wall);
  return ambiguous ? toPacificQuery(new Date(instant.getTime() - HOUR)) : wall;
}
