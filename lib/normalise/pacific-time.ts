// ShipStation V1 speaks Pacific wall-clock time without an offset (PST/PDT). Conversions use luxon's tz database,
// never hand-rolled offsets, so both DST transitions are exact.
import { DateTime } from 'luxon';

export const SHIPSTATION_ZONE = 'America/Los_Angeles';

/**
 * Converts a ShipStation timestamp (`2015-06-29T08:46:27.0000000`, `2016-11-29 23:59:59` or `2015-07-02`) to a UTC
 * ISO-8601 instant. In the repeated hour of the November fall-back the earlier (PDT) reading is taken; a time inside
 * the skipped March hour is moved forward, as ShipStation itself cannot have produced it.
 * A value that already carries an offset or `Z` is honoured as such.
 * @returns the instant, or undefined when the text is empty or not a timestamp
 */
export function pacificToUtc(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim().replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1');
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) {
    const explicit = DateTime.fromISO(text, { setZone: true });
    return explicit.isValid ? (explicit.toUTC().toISO() ?? undefined) : undefined;
  }
  // Read the wall clock as if it were UTC, then try both Pacific offsets and keep those that really show that wall
  // clock in Los Angeles. Luxon's own guess depends on the offset in force *today*, so it is not used for the
  // ambiguous hour.
  const wall = DateTime.fromISO(text, { zone: 'utc' });
  if (!wall.isValid) return undefined;
  const shown = wall.toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS");
  const readings = [7, 8]
    .map((hours) => wall.plus({ hours }))
    .filter((instant) => instant.setZone(SHIPSTATION_ZONE).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS") === shown);
  const earliest = readings[0];
  if (earliest !== undefined) return earliest.toISO() ?? undefined;
  // Inside the skipped spring-forward hour: no reading exists; luxon moves the time forward by the gap.
  return DateTime.fromISO(text, { zone: SHIPSTATION_ZONE }).toUTC().toISO() ?? undefined;
}

/** Formats an instant as a ShipStation query filter: Pacific `yyyy-MM-dd HH:mm:ss`. */
export function toPacificQuery(instant: Date): string {
  return DateTime.fromJSDate(instant, { zone: SHIPSTATION_ZONE }).toFormat('yyyy-MM-dd HH:mm:ss');
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
  const hour = 3_600_000;
  const ambiguous = [-hour, hour].some((shift) => toPacificQuery(new Date(instant.getTime() + shift)) === wall);
  return ambiguous ? toPacificQuery(new Date(instant.getTime() - hour)) : wall;
}
