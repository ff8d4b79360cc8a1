// Key expiry in the domain: whole UTC days until a ShipStation key expires, the threshold a day count has reached, the
// id that makes each threshold alert of a key unique, and the texts operators read.
import {
  daysUntilExpiry,
  EXPIRY_THRESHOLDS,
  expiryAlertId,
  expiryAlertText,
  reachedThreshold,
  recoveredKeyAlertText,
  rejectedKeyAlertText,
} from '../../lib/domain/key-expiry.js';

describe('daysUntilExpiry', () => {
  it.each([
    ['2026-06-30T00:00:00.000Z', 0],
    ['2026-06-30T23:59:59.999Z', 0],
    ['2026-06-29T23:59:59.999Z', 1],
    ['2026-05-31T12:00:00.000Z', 30],
    ['2026-07-01T00:00:00.000Z', -1],
    ['2026-07-05T08:00:00.000Z', -5],
  ])('counts whole UTC days from %s to a key expiring on 2026-06-30: %i', (now, days) => {
    // Act
    const result = daysUntilExpiry('2026-06-30', new Date(now));

    // Assess
    expect(result).toBe(days);
  });

  it('counts by the UTC calendar, not by a local time zone or by 24-hour spans', () => {
    // Prepare: 23:30 on 1 March UTC is still 1 March, though it is 2 March east of UTC.
    const lateInTheDay = new Date('2026-03-01T23:30:00.000Z');

    // Act
    const days = daysUntilExpiry('2026-03-31', lateInTheDay);

    // Assess
    expect(days).toBe(30);
  });

  it('counts 29 February in a leap year', () => {
    // Act
    const days = daysUntilExpiry('2028-03-01', new Date('2028-02-28T10:00:00.000Z'));

    // Assess
    expect(days).toBe(2);
  });
});

describe('reachedThreshold', () => {
  it.each([
    [365, undefined],
    [31, undefined],
    [30, 30],
    [15, 30],
    [14, 14],
    [8, 14],
    [7, 7],
    [4, 7],
    [3, 3],
    [2, 3],
    [1, 1],
    [0, 0],
    [-1, 0],
    [-5, 0],
  ])('gives the threshold reached with %i days left: %s', (days, threshold) => {
    // Act
    const reached = reachedThreshold(days);

    // Assess
    expect(reached).toBe(threshold);
  });

  it('has the thresholds 30, 14, 7, 3, 1 and 0 days', () => {
    // Assess
    expect(EXPIRY_THRESHOLDS).toEqual([30, 14, 7, 3, 1, 0]);
  });
});

describe('expiryAlertId', () => {
  it('differs for another threshold, another key and another expiry date', () => {
    // Act
    const ids = [
      expiryAlertId('ss-1', '2026-06-30', 30),
      expiryAlertId('ss-1', '2026-06-30', 14),
      expiryAlertId('ss-2', '2026-06-30', 30),
      expiryAlertId('ss-1', '2026-12-31', 30),
    ];

    // Assess
    expect(new Set(ids).size).toBe(4);
    expect(expiryAlertId('ss-1', '2026-06-30', 30)).toBe(ids[0]);
  });
});

describe('expiryAlertText', () => {
  it.each([
    [30, 'ShipStation API key expires in 30 days (account shop-1)'],
    [1, 'ShipStation API key expires in 1 day (account shop-1)'],
    [0, 'ShipStation API key expires today (account shop-1)'],
    [-1, 'ShipStation API key expired 1 day ago (account shop-1)'],
    [-3, 'ShipStation API key expired 3 days ago (account shop-1)'],
  ])('says when the key expires, %i days left: %s', (days, subject) => {
    // Act
    const text = expiryAlertText('shop-1', '2026-06-30', days);

    // Assess
    expect(text.subject).toBe(subject);
  });

  it('names the account, the key and its expiry date, and gives the rotation steps', () => {
    // Act
    const { message } = expiryAlertText('shop-1', '2026-06-30', 7);

    // Assess
    expect(message).toContain('Account: shop-1');
    expect(message).toContain('Key: the ShipStation V1 API key and secret, expiry date 2026-06-30 (expires in 7 days).');
    expect(message).toContain('Generate a new API key and secret in ShipStation (Settings > Account > API Settings)');
    expect(message).toContain('SHIPSTATION_KEY_EXPIRES_ON');
    expect(message).toContain('shipstation-klaviyo doctor --account shop-1');
    expect(message).toContain('delete the old key in ShipStation');
  });

  it('tells that polls stop once the key has expired', () => {
    // Act
    const expired = expiryAlertText('shop-1', '2026-06-30', 0).message;
    const expiring = expiryAlertText('shop-1', '2026-06-30', 3).message;

    // Assess
    expect(expired).toContain('Once it has expired, ShipStation answers 401');
    expect(expiring).toContain('When it expires, ShipStation answers 401');
  });
});

describe('rejectedKeyAlertText', () => {
  it('names the ShipStation key, what ShipStation answered, that nothing is lost and what to do', () => {
    // Act
    const { subject, message } = rejectedKeyAlertText('shop-1', 'shipstation', 'ShipStation rejected the API key and secret (401)');

    // Assess
    expect(subject).toBe('ShipStation refused the API key (account shop-1)');
    expect(message).toContain('Account: shop-1');
    expect(message).toContain('Key: the ShipStation V1 API key and secret.');
    expect(message).toContain('ShipStation answered: ShipStation rejected the API key and secret (401).');
    expect(message).toContain('nothing is lost');
    expect(message).toContain('What to do: Generate a new API key');
    expect(message).toContain('doctor --account shop-1');
  });

  it('names the Klaviyo key, the events:write scope, that events are held, and what to do', () => {
    // Act
    const { subject, message } = rejectedKeyAlertText('shop-1', 'klaviyo', '403 missing scope');

    // Assess
    expect(subject).toBe('Klaviyo refused the private key (account shop-1)');
    expect(message).toContain('Account: shop-1');
    expect(message).toContain('Key: the Klaviyo private API key.');
    expect(message).toContain('Klaviyo answered: 403 missing scope.');
    expect(message).toContain('events:write');
    expect(message).toContain('held (not dropped)');
    expect(message).toContain('What to do: create a private key in Klaviyo');
    expect(message).toContain('doctor --account shop-1');
  });
});

describe('recoveredKeyAlertText', () => {
  it.each([
    ['shipstation', 'The ShipStation API key works again (account shop-1)', 'catches up from its poll cursor'],
    ['klaviyo', 'The Klaviyo private key works again (account shop-1)', 'Held events are being sent with their original times'],
  ] as const)('announces that the %s key works again and that nothing needs doing', (service, subject, what) => {
    // Act
    const text = recoveredKeyAlertText('shop-1', service);

    // Assess
    expect(text.subject).toBe(subject);
    expect(text.message).toContain('Account: shop-1');
    expect(text.message).toContain(what);
    expect(text.message).toContain('Nothing to do.');
  });
});
