import * as z from 'zod';
import { BadInputError, PayloadTooLargeError, UnauthorizedError } from '../../lib/domain/errors.js';
import { errorToResponse, readWebhookRequest, WEBHOOK_BODY_LIMIT_BYTES } from '../../lib/edge/http.js';
import { webhookEvent } from '../helpers/factories.js';

const NOTIFICATION = { resource_url: 'https://ssapi.shipstation.com/orders?importBatch=abc-123', resource_type: 'ORDER_NOTIFY' };

describe('readWebhookRequest', () => {
  it('reads account, token and notification from a valid request', () => {
    // Prepare
    const event = webhookEvent({ body: JSON.stringify(NOTIFICATION) });

    // Act
    const request = readWebhookRequest(event);

    // Assess
    expect(request).toEqual({ accountId: 'default', token: 'a-webhook-token-of-32-characters', notification: { ok: true, value: NOTIFICATION } });
  });

  it('reads a base64-encoded body', () => {
    // Prepare
    const event = webhookEvent({ body: Buffer.from(JSON.stringify(NOTIFICATION)).toString('base64'), isBase64Encoded: true });

    // Act
    const request = readWebhookRequest(event);

    // Assess
    expect(request.notification).toEqual({ ok: true, value: NOTIFICATION });
  });

  it('keeps only resource_url and resource_type of a body with extra fields', () => {
    // Prepare
    const event = webhookEvent({ body: JSON.stringify({ ...NOTIFICATION, extra: 'ignored' }) });

    // Act
    const request = readWebhookRequest(event);

    // Assess
    expect(request.notification).toEqual({ ok: true, value: NOTIFICATION });
  });

  it.each([
    ['a missing body', undefined, /body is empty/],
    ['an empty body', '', /body is empty/],
    ['a blank body', '  \n ', /body is empty/],
    ['invalid JSON', '{"resource_url": ', /body is not valid JSON/],
    ['a body without resource_type', JSON.stringify({ resource_url: NOTIFICATION.resource_url }), /resource_type/],
    ['a body with an empty resource_url', JSON.stringify({ ...NOTIFICATION, resource_url: '' }), /resource_url/],
    ['a JSON array', JSON.stringify([NOTIFICATION]), /body must be/],
    ['a JSON string', JSON.stringify('ORDER_NOTIFY'), /body must be/],
  ])('returns a reason instead of a notification for %s', (_case, body, reason) => {
    // Prepare
    const event = webhookEvent({ body });

    // Act
    const request = readWebhookRequest(event);

    // Assess
    expect(request.notification.ok).toBe(false);
    expect(!request.notification.ok && request.notification.reason).toMatch(reason);
    expect(request.token).toBe('a-webhook-token-of-32-characters');
  });

  it('throws PayloadTooLargeError for a body over 16 KB', () => {
    // Prepare
    const body = JSON.stringify({ ...NOTIFICATION, padding: 'x'.repeat(WEBHOOK_BODY_LIMIT_BYTES) });
    const event = webhookEvent({ body });

    // Act
    const act = (): unknown => readWebhookRequest(event);

    // Assess
    expect(WEBHOOK_BODY_LIMIT_BYTES).toBe(16 * 1024);
    expect(act).toThrow(PayloadTooLargeError);
  });

  it('measures the limit in bytes, not characters', () => {
    // Prepare: 6,000 three-byte characters are 18,000 bytes
    const event = webhookEvent({ body: JSON.stringify({ ...NOTIFICATION, padding: '€'.repeat(6000) }) });

    // Act
    const act = (): unknown => readWebhookRequest(event);

    // Assess
    expect(act).toThrow(PayloadTooLargeError);
  });

  it('measures the limit on the decoded body of a base64 request', () => {
    // Prepare: 15,000 bytes decoded are 20,000 characters of base64
    const decoded = JSON.stringify({ ...NOTIFICATION, padding: 'x'.repeat(15_000 - 150) });
    const event = webhookEvent({ body: Buffer.from(decoded).toString('base64'), isBase64Encoded: true });

    // Act
    const request = readWebhookRequest(event);

    // Assess
    expect(Buffer.byteLength(decoded)).toBeLessThan(WEBHOOK_BODY_LIMIT_BYTES);
    expect(request.notification.ok).toBe(true);
  });

  it('reads an account from the path and a token from the query', () => {
    // Prepare
    const event = webhookEvent({ pathParameters: { accountId: 'acme-store' }, queryStringParameters: { token: 'another-token-0123456789' } });

    // Act
    const request = readWebhookRequest(event);

    // Assess
    expect(request.accountId).toBe('acme-store');
    expect(request.token).toBe('another-token-0123456789');
  });

  it('reads a missing account and token as empty strings, for authentication to refuse', () => {
    // Prepare
    const event = webhookEvent({ pathParameters: undefined, queryStringParameters: undefined });

    // Act
    const request = readWebhookRequest(event);

    // Assess
    expect(request.accountId).toBe('');
    expect(request.token).toBe('');
  });
});

describe('errorToResponse', () => {
  it('answers 401 without saying why for an UnauthorizedError', () => {
    // Prepare
    const error = new UnauthorizedError('token mismatch for account default');

    // Act
    const response = errorToResponse(error);

    // Assess
    expect(response).toEqual({ statusCode: 401, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'unauthorized' }) });
  });

  it('answers 400 with the reason for a BadInputError', () => {
    // Prepare
    const error = new BadInputError('resource_url is not on a ShipStation API host');

    // Act
    const response = errorToResponse(error);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body as string)).toEqual({ error: 'resource_url is not on a ShipStation API host' });
  });

  it('answers 400 with the issues for a ZodError', () => {
    // Prepare
    const result = z.object({ resource_type: z.string({ error: 'resource_type must be a string' }) }).safeParse({});
    if (result.success) throw new Error('expected a ZodError');

    // Act
    const response = errorToResponse(result.error);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body as string)).toEqual({ error: 'resource_type must be a string' });
  });

  it('answers 413 for a PayloadTooLargeError', () => {
    // Prepare
    const error = new PayloadTooLargeError(WEBHOOK_BODY_LIMIT_BYTES);

    // Act
    const response = errorToResponse(error);

    // Assess
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body as string)).toEqual({ error: 'body larger than 16384 bytes' });
  });

  it.each([
    ['an unexpected Error', new Error('DynamoDB table sync-table in 000000000000 not found; key pk_FAKE_not_a_real_key')],
    ['a thrown string', 'connect ECONNREFUSED 10.0.0.5:443'],
    ['undefined', undefined],
  ])('answers a generic 500 without details for %s', (_case, error) => {
    // Prepare: the error, above

    // Act
    const response = errorToResponse(error);

    // Assess
    expect(response).toEqual({ statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'internal error' }) });
  });
});
