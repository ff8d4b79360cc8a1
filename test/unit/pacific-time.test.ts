import { jest } from '@jest/globals';
import fc from 'fast-check';
import { pacificDate, pacificToUtc, toPacificQuery } from '../../lib/normalise/pacific-time.js';

// A wall-clock time's offset is first guessed from the zone's offset *now*; pinning "now" to either season proves each
// conversion is the same whatever the date the code runs on.
const CLOCKS = [
  ['a winter clock', Date.parse('2026-01-15T12:00:00Z')],
  ['a summer clock', Date.parse('2026-07-15T12:00:00Z')],
] as const;

describe('pacificToUtc', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe.each(CLOCKS)('on %s', (_clock, now) => {
    beforeEach(() => {
      jest.spyOn(Date, 'now').mockReturnValue(now);
    });

    it.each([
      ['summer time (PDT, UTC-7)', '2026-07-04T10:15:00.0000000', '2026-07-04T17:15:00.000Z'],
      ['winter time (PST, UTC-8)', '2026-01-15T10:15:00.0000000', '2026-01-15T18:15:00.000Z'],
      ['the last second before spring-forward (PST)', '2026-03-08T01:59:59.0000000', '2026-03-08T09:59:59.000Z'],
      ['the first second after spring-forward (PDT)', '2026-03-08T03:00:00.0000000', '2026-03-08T10:00:00.000Z'],
      ['the last minute before the repeated hour on fall-back day', '2026-11-01T00:59:00.0000000', '2026-11-01T07:59:00.000Z'],
      ['the first second after the repeated hour on fall-back day (PST)', '2026-11-01T02:00:00.0000000', '2026-11-01T10:00:00.000Z'],
    ])('converts %s', (_case, pacific, utc) => {
      // Prepare: the clock, above

      // Act
      const instant = pacificToUtc(pacific);

      // Assess
      expect(instant).toBe(utc);
    });

    it('takes the earlier (PDT) reading of a time in the repeated fall-back hour', () => {
      // Prepare
      const repeated = '2026-11-01T01:30:00.0000000';

      // Act
      const instant = pacificToUtc(repeated);

      // Assess
      expect(instant).toBe('2026-11-01T08:30:00.000Z');
    });

    it.each([
      ['its first minute', '2026-03-08T02:00:00.0000000', '2026-03-08T10:00:00.000Z'],
      ['its middle', '2026-03-08T02:30:00.0000000', '2026-03-08T10:30:00.000Z'],
      ['its last millisecond', '2026-03-08T02:59:59.9990000', '2026-03-08T10:59:59.999Z'],
    ])('moves a time in the skipped spring-forward hour forward by the gap: %s', (_case, skipped, utc) => {
      // Prepare: the clock, above

      // Act
      const instant = pacificToUtc(skipped);

      // Assess
      expect(instant).toBe(utc);
    });
  });

  it('keeps the first three of seven fractional digits', () => {
    // Prepare
    const value = '2026-07-04T10:15:00.1234567';

    // Act
    const instant = pacificToUtc(value);

    // Assess
    expect(instant).toBe('2026-07-04T17:15:00.123Z');
  });

  it.each([
    ['the space-separated query form', '2026-07-04 10:15:00', '2026-07-04T17:15:00.000Z'],
    ['the space-separated form with a fraction', '2016-11-29 23:59:59.5000000', '2016-11-30T07:59:59.500Z'],
    ['a date only, as Pacific midnight', '2015-07-02', '2015-07-02T07:00:00.000Z'],
    ['surrounding whitespace', '  2026-01-15T10:15:00.0000000 ', '2026-01-15T18:15:00.000Z'],
    ['a leap day', '2024-02-29T10:15:00.0000000', '2024-02-29T18:15:00.000Z'],
    ['hours and minutes only', '2026-07-04T10:15', '2026-07-04T17:15:00.000Z'],
    ['24:00 as the next midnight', '2026-07-04T24:00:00', '2026-07-05T07:00:00.000Z'],
    ['a fraction with a comma, truncated to the millisecond', '2026-07-04T10:15:00,9999', '2026-07-04T17:15:00.999Z'],
  ])('reads %s', (_case, value, utc) => {
    // Prepare: nothing beyond the value

    // Act
    const instant = pacificToUtc(value);

    // Assess
    expect(instant).toBe(utc);
  });

  it.each([
    ['a Z suffix', '2026-07-04T10:15:00Z', '2026-07-04T10:15:00.000Z'],
    ['an explicit offset', '2026-07-04T10:15:00+02:00', '2026-07-04T08:15:00.000Z'],
    ['a basic-format offset west', '2026-01-15T10:15:00-0800', '2026-01-15T18:15:00.000Z'],
    ['a basic-format offset east', '2026-07-04T10:15:00.1234567+0700', '2026-07-04T03:15:00.123Z'],
    ['an offset on a date in the skipped hour', '2026-03-08T02:30:00-08:00', '2026-03-08T10:30:00.000Z'],
  ])('honours %s instead of assuming Pacific time', (_case, value, utc) => {
    // Prepare: nothing beyond the value

    // Act
    const instant = pacificToUtc(value);

    // Assess
    expect(instant).toBe(utc);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
    ['blanks', '   '],
    ['garbage', 'not a date'],
    ['an impossible month', '2026-13-01T00:00:00.0000000'],
    ['a day past the end of the month', '2026-02-30T10:00:00'],
    ['a date that does not exist', '2026-02-30'],
    ['a leap day in a common year', '2026-02-29T10:00:00.0000000'],
    ['an impossible minute', '24:61'],
    ['an hour past 24', '2026-07-04T25:00:00'],
    ["24 o'clock with minutes", '2026-07-04T24:01:00'],
    ['a second of 60', '2026-07-04T23:59:60'],
    ['an offset with an impossible minute count', '2026-07-04T10:15:00+07:0'],
    ['an unknown zone name', '2026-07-04T10:15:00[Not/AZone]'],
  ])('returns undefined for %s', (_case, value) => {
    // Prepare: nothing beyond the value

    // Act
    const instant = pacificToUtc(value);

    // Assess
    expect(instant).toBeUndefined();
  });
});

describe('toPacificQuery', () => {
  it.each([
    ['a summer instant in PDT', '2026-07-04T17:15:00.000Z', '2026-07-04 10:15:00'],
    ['a winter instant in PST', '2026-01-15T18:15:00.000Z', '2026-01-15 10:15:00'],
    ['an instant whose Pacific date is the day before', '2026-01-16T03:30:00.000Z', '2026-01-15 19:30:00'],
    ['the last second before spring-forward', '2026-03-08T09:59:59.999Z', '2026-03-08 01:59:59'],
    ['the first instant after spring-forward', '2026-03-08T10:00:00.000Z', '2026-03-08 03:00:00'],
    ['the first pass through the repeated fall-back hour (PDT)', '2026-11-01T08:30:00.000Z', '2026-11-01 01:30:00'],
    ['the second pass through the repeated fall-back hour (PST)', '2026-11-01T09:30:00.000Z', '2026-11-01 01:30:00'],
    ['an instant in 2040', '2040-12-31T23:59:59.000Z', '2040-12-31 15:59:59'],
  ])('formats %s', (_case, utc, pacific) => {
    // Prepare
    const instant = new Date(utc);

    // Act
    const query = toPacificQuery(instant);

    // Assess
    expect(query).toBe(pacific);
  });

  it('round-trips through pacificToUtc', () => {
    // Prepare
    const instant = new Date('2026-03-08T10:00:00.000Z');

    // Act
    const back = pacificToUtc(toPacificQuery(instant));

    // Assess
    expect(back).toBe(instant.toISOString());
  });

  it('round-trips any second of 2000–2040 through pacificToUtc, the repeated hour to its earlier (PDT) reading', () => {
    // Prepare
    const seconds = fc.integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2041, 0, 1) / 1000 - 1 });

    fc.assert(
      fc.property(seconds, (second) => {
        const instant = new Date(second * 1000);
        const hourEarlier = new Date(instant.getTime() - 3_600_000);

        // Act
        const query = toPacificQuery(instant);
        const back = pacificToUtc(query);

        // Assess
        const expected = toPacificQuery(hourEarlier) === query ? hourEarlier : instant;
        expect(back).toBe(expected.toISOString());
      }),
      { numRuns: 2000 },
    );
  });
});

describe('pacificDate', () => {
  it.each([
    ['a date', '2015-07-02', '2015-07-02'],
    ['a Pacific timestamp', '2026-07-04T23:59:59.0000000', '2026-07-04'],
    ['a space-separated timestamp', '2026-07-04 10:15:00', '2026-07-04'],
  ])('keeps the calendar date of %s', (_case, value, date) => {
    // Prepare: nothing beyond the value

    // Act
    const result = pacificDate(value);

    // Assess
    expect(result).toBe(date);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
    ['text without a date', 'tomorrow'],
  ])('returns undefined for %s', (_case, value) => {
    // Prepare: nothing beyond the value

    // Act
    const result = pacificDate(value);

    // Assess
    expect(result).toBeUndefined();
  });
});
