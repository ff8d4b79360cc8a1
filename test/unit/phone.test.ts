import { toE164 } from '../../lib/normalise/phone.js';

describe('toE164', () => {
  it.each([
    ['a US national number with country US', '(415) 555-0132', 'US', '+14155550132'],
    ['a US number with a lower-case country', '415.555.0132', 'us', '+14155550132'],
    ['a number already in E.164, without a country', '+14155550132', undefined, '+14155550132'],
    ['a number already in E.164, whatever the country', '+1 415 555 0132', 'GB', '+14155550132'],
    ['a UK national number with country GB', '020 7946 0958', 'GB', '+442079460958'],
    ['a UK international number with country US', '+44 20 7946 0958', 'US', '+442079460958'],
    ['a number with surrounding blanks', '  (415) 555-0132  ', 'US', '+14155550132'],
  ])('normalises %s', (_case, raw, country, expected) => {
    // Prepare: nothing beyond the input

    // Act
    const phone = toE164(raw, country);

    // Assess
    expect(phone).toBe(expected);
  });

  it.each([
    ['an invalid number', '(000) 000-0000', 'US'],
    ['a short number', '555-0132', 'US'],
    ['three digits', '123', 'US'],
    ['an empty string', '', 'US'],
    ['blanks', '   ', 'US'],
    ['null', null, 'US'],
    ['undefined', undefined, 'US'],
    ['letters', 'call me', 'US'],
    ['a national number without a country', '(415) 555-0132', undefined],
    ['a national number with a country name instead of a code', '(415) 555-0132', 'United States'],
  ])('returns undefined for %s', (_case, raw, country) => {
    // Prepare: nothing beyond the input

    // Act
    const phone = toE164(raw, country);

    // Assess
    expect(phone).toBeUndefined();
  });
});
