import { DateTime } from 'luxon';

/** The zone every ShipStation V1 timestamp is written in, with daylight saving time. */
export const PACIFIC_ZONE = 'America/Los_Angeles';

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?$/;

/**
 * Formats an instant the way ShipStation V1 writes timestamps: Pacific wall-clock time, no offset, 7 fractional digits
 * (e.g. `2026-11-25T08:46:27.1230000`), so the simulator's output trips the same parsing traps as the real API.
 */
export function formatPacificTimestamp(instant: Date): string {
  return `${DateTime.fromJSDate(instant, { zone: PACIFIC_ZONE }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS")}0000`;
}

/** Formats the Pacific calendar date of an instant as `yyyy-MM-dd`, the shape of V1 `shipDate`. */
export function formatPacificDate(instant: Date): string {
  return DateTime.fromJSDate(instant, { zone: PACIFIC_ZONE }).toFormat('yyyy-MM-dd');
}

/**
 * Normalises Pacific wall-clock text (`yyyy-MM-dd`, `yyyy-MM-dd HH:mm[:ss[.fffffff]]` or the same with `T`) to the
 * 7-digit response format, or returns undefined when it is not a real calendar time. ShipStation compares wall-clock
 * values, so normalised strings compare correctly with plain string comparison (even across the DST fall-back hour).
 */
export function normalizePacificTimestamp(text: string): string | undefined {
  const match = WALL_CLOCK.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = ''] = match;
  const check = DateTime.fromObject(
    { year: Number(year), month: Number(month), day: Number(day), hour: Number(hour), minute: Number(minute), second: Number(second) },
    { zone: 'utc' },
  );
  if (!check.isValid) return undefined;
  return `${year}-${month}-${day}T${hour}:${minute}:${second}.${fraction.padEnd(7, '0')}`;
}
