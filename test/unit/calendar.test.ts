// Calendar dates (DESIGN §3.10): a date-only value stays the day it names, and a day ends at midnight in the account's
// time zone, DST nights and zones whose midnight does not exist included.
import { calendarDateIn, calendarDateOf, endOfDay, isCalendarDate, startOfDay } from '../../lib/domain/calendar.js';

describe('calendarDateOf', () => {
  it.each([
    ['2026-04-30', '2026-04-30'],
    ['2026-04-30T00:00:00', '2026-04-30'],
    ['2015-07-05T00:00:00.0000000', '2015-07-05'],
    ['2026-04-30T00:00:00Z', '2026-04-30'],
    ['2024-10-27T11:59:03.289Z', '2024-10-27'],
    [' 2026-04-30 ', '2026-04-30'],
  ])('reads %s as the day %s, never a UTC midnight shifted into the day before', (raw, date) => {
    expect(calendarDateOf(raw)).toBe(date);
  });

  it.each([[null], [undefined], [''], ['soon'], ['2026-02-30'], ['30/04/2026']])('reads %s as no date', (raw) => {
    expect(calendarDateOf(raw)).toBeUndefined();
  });
});

describe('isCalendarDate', () => {
  it('accepts real days only', () => {
    expect(['2028-02-29', '2026-12-31'].map(isCalendarDate)).toEqual([true, true]);
    expect(['2026-02-29', '2026-13-01', '2026-1-1', '2026-01-01T00:00:00'].map(isCalendarDate)).toEqual([false, false, false, false]);
  });
});

describe('startOfDay and endOfDay', () => {
  it.each([
    ['an ordinary Pacific summer day', '2026-07-08', 'America/Los_Angeles', '2026-07-08T07:00:00.000Z', '2026-07-09T07:00:00.000Z'],
    ['the Pacific fall-back day (25 hours)', '2026-11-01', 'America/Los_Angeles', '2026-11-01T07:00:00.000Z', '2026-11-02T08:00:00.000Z'],
    ['the Pacific spring-forward day (23 hours)', '2026-03-08', 'America/Los_Angeles', '2026-03-08T08:00:00.000Z', '2026-03-09T07:00:00.000Z'],
    ['a New York winter day', '2026-01-15', 'America/New_York', '2026-01-15T05:00:00.000Z', '2026-01-16T05:00:00.000Z'],
    ['a Sydney day across its DST start', '2026-10-04', 'Australia/Sydney', '2026-10-03T14:00:00.000Z', '2026-10-04T13:00:00.000Z'],
    ['UTC', '2026-07-08', 'UTC', '2026-07-08T00:00:00.000Z', '2026-07-09T00:00:00.000Z'],
  ])('bound %s', (_case, date, zone, start, end) => {
    expect(startOfDay(date, zone)).toBe(start);
    expect(endOfDay(date, zone)).toBe(end);
  });

  it('starts a day whose midnight does not exist (Santiago springs forward at 00:00) at its first real instant', () => {
    // Prepare: Chile moved its clocks from 00:00 to 01:00 on 2026-09-06
    const start = startOfDay('2026-09-06', 'America/Santiago');

    // Assess
    expect(calendarDateIn(start, 'America/Santiago')).toBe('2026-09-06');
    expect(calendarDateIn(Date.parse(start) - 1000, 'America/Santiago')).toBe('2026-09-05');
  });
});
