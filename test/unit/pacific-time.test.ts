import { Settings } from 'luxon';
import { pacificDate, pacificToUtc, toPacificQuery } from '../../lib/normalise/pacific-time.js';

// luxon guesses a wall-clock time's offset from the zone's offset *now*; pinning "now" to either season proves each
// conversion is the same whatever the date the code runs on.
const CLOCKS = [
  ['a winter clock', Date.parse('2026-01-15T12:00:00Z')],
  ['a summer clock', Date.parse('2026-07-15T12:00:00Z')],
] as const;

describe('pacificToUtc', () => {
  const realNow = Settings.now;
  afterEach(() => {
    Settings.now = realNow;
  });

  describe.each(CLOCKS)('on %s', (_clock, now) => {
    beforeEach(() => {
      Settings.now = (): number => now;
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
