import { jest } from '@jest/globals';
import { logger, maskEmail, maskPhone, maskPii } from '../../lib/observability.js';

describe('maskEmail', () => {
  it.each([
    ['a plain address', 'jane.doe@example.com', 'j***@e***.com'],
    ['a multi-level domain', 'sam+orders@mail.example.co.uk', 's***@m***.uk'],
    ['an address inside free text', 'no profile for jane.doe@example.com, skipped', 'no profile for j***@e***.com, skipped'],
    ['two addresses', 'a@b.io and c.d@e.org', 'a***@b***.io and c***@e***.org'],
    ['text without an address', 'order 123456 shipped', 'order 123456 shipped'],
  ])('masks %s', (_case, value, masked) => {
    // Prepare: nothing beyond the value

    // Act
    const result = maskEmail(value);

    // Assess
    expect(result).toBe(masked);
  });
});

describe('maskPhone', () => {
  it.each([
    ['an E.164 number', '+14155550132', '+*********32'],
    ['a formatted national number', '(415) 555-0132', '********32'],
    ['two digits or fewer', '12', '**'],
    ['an empty string', '', '**'],
  ])('keeps only the last two digits of %s', (_case, value, masked) => {
    // Prepare: nothing beyond the value

    // Act
    const result = maskPhone(value);

    // Assess
    expect(result).toBe(masked);
  });
});

describe('maskPii', () => {
  it('masks emails and phones in nested objects and arrays without changing the input', () => {
    // Prepare
    const value = {
      accountId: 'default',
      orderId: 123456,
      customer: { email: 'jane.doe@example.com', phone: '+14155550132', firstName: 'Jane' },
      profiles: [{ phone_number: '+442079460958', email: 'sam@example.co.uk' }, { phoneNumber: '+14155550199' }],
      shipTo: { mobile: '(415) 555-0132', city: 'San Francisco' },
      note: 'customer jane.doe@example.com asked for gift wrap',
      tags: ['vip', 'jane.doe@example.com'],
      shipped: true,
      total: 34.97,
      missing: null,
    };
    const copy = structuredClone(value);

    // Act
    const masked = maskPii(value);

    // Assess
    expect(masked).toEqual({
      accountId: 'default',
      orderId: 123456,
      customer: { email: 'j***@e***.com', phone: '+*********32', firstName: 'Jane' },
      profiles: [{ phone_number: '+**********58', email: 's***@e***.uk' }, { phoneNumber: '+*********99' }],
      shipTo: { mobile: '********32', city: 'San Francisco' },
      note: 'customer j***@e***.com asked for gift wrap',
      tags: ['vip', 'j***@e***.com'],
      shipped: true,
      total: 34.97,
      missing: null,
    });
    expect(value).toEqual(copy);
  });

  it('masks the phones of an array under a phone key', () => {
    // Prepare
    const value = { phone: ['+14155550132', '+14155550199'] };

    // Act
    const masked = maskPii(value);

    // Assess
    expect(masked).toEqual({ phone: ['+*********32', '+*********99'] });
  });

  it.each([
    ['token', 'a-webhook-token-of-32-characters'],
    ['authorization', 'Klaviyo-API-Key pk_0123456789abcdef'],
    ['Authorization', 'Basic c3Mta2V5OnNzLXNlY3JldA=='],
    ['apiKey', 'ss-key-0123456789'],
    ['api_secret', 'ss-secret-0123456789'],
    ['privateKey', 'pk_0123456789abcdef'],
    ['password', 'hunter2'],
  ])('replaces the value of a %s key with ***', (key, secret) => {
    // Prepare
    const value = { request: { headers: { [key]: secret } } };

    // Act
    const masked = maskPii(value);

    // Assess
    expect(masked).toEqual({ request: { headers: { [key]: '***' } } });
  });

  it('turns an Error into name, message and stack with emails masked', () => {
    // Prepare
    const error = new TypeError('no profile for jane.doe@example.com');

    // Act
    const masked = maskPii({ error }) as { error: { name: string; message: string; stack?: string } };

    // Assess
    expect(masked.error.name).toBe('TypeError');
    expect(masked.error.message).toBe('no profile for j***@e***.com');
    expect(masked.error.stack).toContain('j***@e***.com');
    expect(JSON.stringify(masked)).not.toContain('jane.doe@example.com');
  });

  it('stops at a depth that cannot be logged usefully', () => {
    // Prepare
    let value: Record<string, unknown> = { email: 'jane.doe@example.com' };
    for (let i = 0; i < 12; i += 1) value = { nested: value };

    // Act
    const masked = JSON.stringify(maskPii(value));

    // Assess
    expect(masked).toContain('[depth]');
    expect(masked).not.toContain('jane.doe@example.com');
  });
});

describe('logger', () => {
  let written: string[];
  let spies: { mockRestore: () => void }[];

  beforeEach(() => {
    // Powertools prints through its own Console over process.stdout (info, warn) and process.stderr (error); the global
    // console is used only with POWERTOOLS_DEV.
    written = [];
    const capture = (chunk: unknown): boolean => {
      written.push(String(chunk));
      return true;
    };
    spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
    logger.setLogLevel('INFO');
  });

  afterEach(() => {
    logger.setLogLevel('SILENT');
    spies.forEach((spy) => spy.mockRestore());
  });

  it('writes no raw email or phone number when a customer is logged', () => {
    // Prepare
    const customer = { email: 'jane.doe@example.com', phone: '+14155550132' };

    // Act
    logger.info('order update for jane.doe@example.com', { accountId: 'default', orderId: 123456, customer });

    // Assess
    const output = written.join('');
    expect(written).toHaveLength(1);
    expect(output).not.toContain('jane.doe@example.com');
    expect(output).not.toContain('4155550132');
    const line = JSON.parse(output) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'order update for j***@e***.com',
      accountId: 'default',
      orderId: 123456,
      customer: { email: 'j***@e***.com', phone: '+*********32' },
    });
  });

  it('writes no secret or customer email when an error is logged', () => {
    // Prepare
    const error = new Error('Klaviyo refused jane.doe@example.com');

    // Act
    logger.error('send failed', { error, headers: { authorization: 'Klaviyo-API-Key pk_0123456789abcdef' } });

    // Assess
    const output = written.join('');
    expect(output).toContain('send failed');
    expect(output).not.toContain('jane.doe@example.com');
    expect(output).not.toContain('pk_0123456789abcdef');
  });
});
