// The receivers' error middleware: every refused request is answered and counted under one reason of a fixed set
// (WebhooksRefused), every 5xx as WebhooksFailed, unreadable signing keys are a 503, and counting never changes the
// answer.
import type { Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod';
import { BadInputError, PayloadTooLargeError, SignatureRejectedError, SigningKeysUnavailableError, UnauthorizedError } from '../../lib/domain/errors.js';
import { httpErrors, type ReceiverCounting } from '../../lib/edge/http.js';
import type { WebhookReceiver } from '../../lib/ports.js';
import { RecordingServiceMetrics } from '../fakes/in-memory-ports.js';
import { webhookEvent } from '../helpers/factories.js';

type HttpRequest = Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>;

/** What the middleware answered and counted for one error, on a path naming `accountId`. */
async function handle(
  error: unknown,
  options: { accountId?: string; receiver?: WebhookReceiver; counting?: Partial<ReceiverCounting> } = {},
): Promise<{ status: number | undefined; counted: Record<string, number> }> {
  const metrics = new RecordingServiceMetrics();
  const middleware = httpErrors({
    receiver: options.receiver ?? 'receive-tracking',
    metrics: async () => metrics,
    knowsAccount: async (accountId) => accountId === 'default',
    ...options.counting,
  });
  const request = {
    event: webhookEvent({ pathParameters: { accountId: options.accountId ?? 'default' } }),
    context: {} as Context,
    response: undefined,
    error: error as Error,
    internal: {},
  } as unknown as HttpRequest;
  await middleware.onError?.(request);
  return { status: request.response?.statusCode, counted: Object.fromEntries(metrics.totals) };
}

describe('httpErrors with counting', () => {
  it.each([
    ['a wrong token of a configured account', new UnauthorizedError(), 'default', 401, 'unauthorized'],
    ['an account that is not configured', new UnauthorizedError(), 'someone-else', 401, 'unknown-account'],
    ['a malformed body', new BadInputError('body is not valid JSON'), 'default', 400, 'bad-request'],
    ['a body zod refused', new z.ZodError([]), 'default', 400, 'bad-request'],
    ['an oversized body', new PayloadTooLargeError(16 * 1024), 'default', 413, 'too-large'],
    ['a missing signature header', new SignatureRejectedError(404, 'missing signature header x'), 'default', 404, 'unsigned'],
    ['a timestamp 6 minutes old', new SignatureRejectedError(400, 'x-shipengine-timestamp is 360 s in the past'), 'default', 400, 'timestamp'],
    [
      'a signature that does not verify, or an unknown key id',
      new SignatureRejectedError(401, 'signature does not match the body'),
      'default',
      401,
      'signature',
    ],
  ])('answers %s with its 4xx and counts it refused for that one reason', async (_case, error, accountId, status, reason) => {
    // Act
    const outcome = await handle(error, { accountId });

    // Assess
    expect(outcome).toEqual({ status, counted: { [`WebhooksRefused:receive-tracking:${reason}`]: 1 } });
  });

  it.each([
    ['signing keys that cannot be read', new SigningKeysUnavailableError('fetching the webhook signing keys failed: x answered 503', true), 503],
    ['an error nobody expected', new Error('SQS is down'), 500],
  ])('answers %s with a 5xx and counts it failed, with no reason', async (_case, error, status) => {
    // Act
    const outcome = await handle(error, { receiver: 'receive-webhook' });

    // Assess
    expect(outcome).toEqual({ status, counted: { 'WebhooksFailed:receive-webhook': 1 } });
  });

  it('keeps the answer when the metrics cannot be had (e.g. the configuration cannot be read)', async () => {
    // Act
    const outcome = await handle(new UnauthorizedError(), {
      counting: {
        metrics: async () => {
          throw new Error('accounts document unreadable');
        },
      },
    });

    // Assess
    expect(outcome).toEqual({ status: 401, counted: {} });
  });
});
