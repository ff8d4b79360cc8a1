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
  const parsed = DateTime.fromISO(text, { zone: SHIPSTATION_ZONE, setZone: false });
  if (!parsed.isValid) return undefined;
  return parsed.toUTC().toISO({ suppressMilliseconds: false }) ?? undefined;
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
