import { jest } from '@jest/globals';
import { clearRegisteredSecrets, logger, maskEmail, maskPhone, maskPii, maskSecret, maskSecrets, maskText, registerSecrets } from '../../lib/observability.js';
import { webhookEvent } from '../helpers/factories.js';

describe('maskEmail', () => {
  it.each([
    ['a plain address', 'jane.doe@example.com', 'j***@e***.com'],
    ['a multi-level domain', 'sam+orders@mail.example.co.uk', 's***@m***.uk'],
    ['an address inside free text', 'no profile for jane.doe@example.com, skipped', 'no profile for j***@e***.com, skipped'],
    ['two addresses', 'a@b.io and c.d@e.org', 'a***@b***.io and c***@e***.org'],
    ['text without an address', 'order 123456 shipped', 'order 123456 shipped'],
    ['an address at localhost', 'no profile for ivy@localhost', 'no profile for i***@l***'],
    ['an address whose domain has no dot', "Invalid email address: 'ivy@example'.", "Invalid email address: 'i***@e***'."],
    ['an address without a dot ending a clause', 'sent to ivy@example, then retried', 'sent to i***@e***, then retried'],
    ['a display-name address', 'Ivy Canaryson <ivy.canaryson@example.com>', 'I*** C*** <i***@e***.com>'],
    [
      'a display-name address inside a quoted refusal',
      "Invalid email address: 'Ivy Canaryson <ivy.canaryson@example.com>'.",
      "Invalid email address: 'I*** C*** <i***@e***.com>'.",
    ],
    ['a display-name address without a dotted domain', 'To: ivy canaryson <ivy@localhost>', 'To: i*** c*** <i***@l***>'],
    ['a quoted display name', '"Canaryson, Ivy" <ivy@example.com>', '"C*** I***" <i***@e***.com>'],
    ['a name of four words', 'Klaviyo refused Ivy Maria de Canaryson <ivy@example.com>', 'Klaviyo refused I*** M*** d*** C*** <i***@e***.com>'],
    ['an address in a query string', 'profiles?email=ivy@example.com', 'profiles?email=i***@e***.com'],
    [
      'a package path in a stack trace (no address)',
      'at /app/node_modules/@aws-sdk/client-sqs/index.js:12:3',
      'at /app/node_modules/@aws-sdk/client-sqs/index.js:12:3',
    ],
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
    ['authorization', 'Klaviyo-API-Key pk_FAKE_not_a_real_key'],
    ['Authorization', 'Basic c3Mta2V5OnNzLXNlY3JldA=='],
    ['apiKey', 'ss-key-0123456789'],
    ['api_secret', 'ss-secret-0123456789'],
    ['privateKey', 'pk_FAKE_not_a_real_key'],
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
    logger.error('send failed', { error, headers: { authorization: 'Klaviyo-API-Key pk_FAKE_not_a_real_key' } });

    // Assess
    const output = written.join('');
    expect(output).toContain('send failed');
    expect(output).not.toContain('jane.doe@example.com');
    expect(output).not.toContain('pk_FAKE_not_a_real_key');
  });
});

describe('maskEmail on masked text', () => {
  it.each(['j***@e***.com', 'i***@l***', 'I*** C*** <i***@e***.com>', 'https://***@host.example.com/path'])('leaves %s as it is', (masked) => {
    // Act
    const again = maskEmail(masked);

    // Assess
    expect(again).toBe(masked);
  });
});

describe('maskText', () => {
  it('masks the display name, the address and the phone of a Klaviyo refusal, keeping the rest readable', () => {
    // Prepare
    const refusal =
      "invalid: Invalid email address: 'Ivy Canaryson <ivy.canaryson@example.com>' (also ivy@localhost, +1 415 555 0177): /data/attributes/profile";

    // Act
    const masked = maskText(refusal);

    // Assess
    expect(masked).toBe("invalid: Invalid email address: 'I*** C*** <i***@e***.com>' (also i***@l***, +*********77): /data/attributes/profile");
  });

  it.each([
    ['an E.164 number', 'call +14155550177 today', 'call +*********77 today'],
    ['a formatted national number', 'call (415) 555-0177 today', 'call ********77 today'],
    ['a dashed national number', 'phone 415-555-0177', 'phone ********77'],
  ])('still masks %s', (_case, value, masked) => {
    // Act
    const result = maskText(value);

    // Assess
    expect(result).toBe(masked);
  });
});

describe('maskSecret', () => {
  it.each([
    ['a secret of 16 characters or more', 'canary-webhook-token-0123456789', 'cana…'],
    ['a shorter secret', 'short-secret', '…'],
    ['a value already masked', 'cana…', 'cana…'],
  ])('shows %s as %s', (_case, value, masked) => {
    // Act
    const result = maskSecret(value);

    // Assess
    expect(result).toBe(masked);
  });
});

describe('maskSecrets', () => {
  afterEach(() => clearRegisteredSecrets());

  it.each([
    ['a raw query string', 'token=canary-webhook-token-0123456789', 'token=cana…'],
    [
      'a webhook URL',
      'https://api.example.com/webhooks/shipstation/acme?token=canary-webhook-token-0123456789&x=1',
      'https://api.example.com/webhooks/shipstation/acme?token=cana…&x=1',
    ],
    ['an api_key parameter', 'GET /v1/things?page=2&api_key=canary-api-key-0123456789', 'GET /v1/things?page=2&api_key=cana…'],
    ['a token after a space', 'refused token=wrong-token-0123456789 for acme', 'refused token=wron… for acme'],
    ['a short token', 'token=abc', 'token=…'],
    ['credentials in a URL', 'https://user:password@example.com/path', 'https://***@example.com/path'],
  ])('masks the secret in %s by its shape, registered or not', (_case, value, masked) => {
    // Act
    const result = maskSecrets(value);

    // Assess
    expect(result).toBe(masked);
  });

  it.each([
    ['a tracking URL', 'https://www.fedex.com/fedextrack/?trknbr=770000500001'],
    ['a resource URL', 'https://ssapi.shipstation.com/orders?importBatch=abc-123'],
    ['a placeholder', "http://127.0.0.1:3000/webhooks/shipstation/{accountId}?token={the account's webhookToken}"],
  ])('leaves %s alone', (_case, value) => {
    // Act
    const result = maskSecrets(value);

    // Assess
    expect(result).toBe(value);
  });

  it('masks registered secrets by value wherever they appear, URL-encoded too, longest first', () => {
    // Prepare
    registerSecrets(['canary-klaviyo-key-0123456789', 'canary-klaviyo-key-0123456789-and-more', 'tok+en/with=base64-chars-01234']);

    // Act
    const masked = maskSecrets(
      'key canary-klaviyo-key-0123456789-and-more, then canary-klaviyo-key-0123456789; ' +
        'raw tok+en/with=base64-chars-01234, encoded /hook?t=tok%2Ben%2Fwith%3Dbase64-chars-01234',
    );

    // Assess
    expect(masked).toBe('key cana…, then cana…; raw tok+…, encoded /hook?t=tok%…');
  });

  it('ignores values shorter than 8 characters and keeps earlier secrets when more are registered', () => {
    // Prepare
    registerSecrets(['default', 'old-rotated-key-0123456789']);
    registerSecrets(['new-rotated-key-0123456789', undefined]);

    // Act
    const masked = maskSecrets('account default: old-rotated-key-0123456789 replaced by new-rotated-key-0123456789');

    // Assess
    expect(masked).toBe('account default: old-… replaced by new-…');
  });
});

describe('maskPii with registered secrets', () => {
  const TOKEN = 'canary-webhook-token-0123456789';
  const KEY = 'canary-shipstation-key-0123456789';

  beforeEach(() => registerSecrets([TOKEN, KEY]));
  afterEach(() => clearRegisteredSecrets());

  it('masks secrets by value in nested objects and arrays under any key', () => {
    // Prepare
    const value = { request: { url: `https://h.example.com/x?t=${KEY}`, notes: [`used ${KEY}`], detail: { text: `token ${TOKEN}` } } };

    // Act
    const masked = JSON.stringify(maskPii(value));

    // Assess
    expect(masked).not.toContain(KEY);
    expect(masked).not.toContain(TOKEN);
    expect(maskPii(value)).toEqual({ request: { url: 'https://h.example.com/x?t=cana…', notes: ['used cana…'], detail: { text: 'token cana…' } } });
  });

  it('masks secrets by value in an error, its stack and its cause', () => {
    // Prepare
    const cause = new Error(`upstream refused ${KEY}`);
    const error = new Error(`request to https://h.example.com/webhooks/acme?token=${TOKEN} failed`, { cause });

    // Act
    const masked = maskPii({ error }) as { error: { message: string; stack: string; cause: { message: string; stack: string } } };

    // Assess
    expect(masked.error.message).toBe('request to https://h.example.com/webhooks/acme?token=cana… failed');
    expect(masked.error.stack).toContain('token=cana…');
    expect(masked.error.cause.message).toBe('upstream refused cana…');
    expect(JSON.stringify(masked)).not.toContain(TOKEN);
    expect(JSON.stringify(masked)).not.toContain(KEY);
  });
});

describe('logger and the invocation event', () => {
  let written: string[];
  let spies: { mockRestore: () => void }[];

  beforeEach(() => {
    written = [];
    const capture = (chunk: unknown): boolean => {
      written.push(String(chunk));
      return true;
    };
    spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture), jest.spyOn(process.stderr, 'write').mockImplementation(capture)];
    logger.setLogLevel('DEBUG');
  });

  afterEach(() => {
    logger.setLogLevel('SILENT');
    spies.forEach((spy) => spy.mockRestore());
    clearRegisteredSecrets();
  });

  it('writes the webhook event POWERTOOLS_LOGGER_LOG_EVENT asks for without its token, even an unregistered one', () => {
    // Prepare: a token no account has (a caller guessing), in the raw query string and the parsed parameters
    const token = 'a-guessed-token-0123456789';
    const event = webhookEvent({ rawQueryString: `token=${token}`, queryStringParameters: { token } });

    // Act
    logger.logEventIfEnabled(event, true);

    // Assess
    const output = written.join('');
    expect(output).not.toContain(token);
    const line = JSON.parse(output) as { message: string; event: { rawQueryString: string; queryStringParameters: { token: string } } };
    expect(line.message).toBe('Lambda invocation event');
    expect(line.event.rawQueryString).toBe('token=a-gu…');
    expect(line.event.queryStringParameters.token).toBe('***');
  });

  it('writes no registered secret when one is logged under an innocent key', () => {
    // Prepare
    registerSecrets(['canary-klaviyo-private-key-0123']);

    // Act
    logger.debug('probe', { note: 'sent with canary-klaviyo-private-key-0123', list: ['canary-klaviyo-private-key-0123'] });

    // Assess
    const output = written.join('');
    expect(output).toContain('probe');
    expect(output).not.toContain('canary-klaviyo-private-key-0123');
  });
});
