// HTTP edge of receive-webhook: reads the API Gateway event, and the one place errors become HTTP responses (and are
// counted: WebhooksRefused by reason, WebhooksFailed).
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from '../domain/zod.js';
import { BadInputError, PayloadTooLargeError, SignatureRejectedError, SigningKeysUnavailableError, UnauthorizedError } from '../domain/errors.js';
import { webhookNotificationSchema, type ParsedNotification } from '../domain/shipstation.js';
import { logger } from '../observability.js';
import type { ServiceMetrics, WebhookReceiver, WebhookRefusal } from '../ports.js';

/** A V1 notification is two short strings (resource_url is at most 200 characters); anything this big is not one. */
export const WEBHOOK_BODY_LIMIT_BYTES = 16 * 1024;

export interface WebhookRequest {
  accountId: string;
  token: string;
  notification: ParsedNotification;
}

/**
 * Reads account, token and body from the HTTP API event. An oversized body throws at once (413); a malformed one is
 * returned as a reason so that authentication is still checked first.
 */
export function readWebhookRequest(event: APIGatewayProxyEventV2): WebhookRequest {
  const raw = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw) > WEBHOOK_BODY_LIMIT_BYTES) throw new PayloadTooLargeError(WEBHOOK_BODY_LIMIT_BYTES);
  return {
    accountId: event.pathParameters?.accountId ?? '',
    token: event.queryStringParameters?.token ?? '',
    notification: parseNotification(raw),
  };
}

function parseNotification(raw: string): ParsedNotification {
  if (raw.trim() === '') return { ok: false, reason: 'body is empty; expected {"resource_url": ..., "resource_type": ...}' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  const parsed = webhookNotificationSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
    return { ok: false, reason: `body must be {"resource_url": string, "resource_type": string} (${fields})` };
  }
  return { ok: true, value: parsed.data };
}

/** A JSON response. */
export function jsonResponse(statusCode: number, body: Record<string, unknown>): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * Maps errors to HTTP: 400 with the reason, 401 without one (a refused signature: 400/401/404 with its reason), 413, 503
 * when ShipStation's signing keys cannot be had (one log line, no stack: the cause is outside, and ShipStation retries),
 * and a generic 500 whose details go to the log.
 */
export function errorToResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof UnauthorizedError) return jsonResponse(401, { error: 'unauthorized' });
  if (error instanceof SignatureRejectedError) return jsonResponse(error.status, { error: error.reason });
  if (error instanceof BadInputError) return jsonResponse(400, { error: error.message });
  if (error instanceof z.ZodError) return jsonResponse(400, { error: error.issues.map((i) => i.message).join('; ') });
  if (error instanceof PayloadTooLargeError) return jsonResponse(413, { error: error.message });
  if (error instanceof SigningKeysUnavailableError) {
    // The fetch that failed is an error; webhooks answered while it is not retried yet (a minute) only a warning.
    const data = { statusCode: 503, reason: error.message };
    if (error.attempted) logger.error('tracking signing keys unavailable; answered 503 so ShipStation retries', data);
    else logger.warn('tracking signing keys unavailable; answered 503 so ShipStation retries', data);
    return jsonResponse(503, { error: 'service unavailable' });
  }
  logger.error('unhandled error', { error });
  return jsonResponse(500, { error: 'internal error' });
}

/**
 * The fixed reason a refused request is counted under (`unauthorized` also stands for an unknown account here; the
 * caller that knows the accounts tells them apart), or undefined for an error that is not a refusal (5xx).
 */
export function refusalReasonOf(error: unknown): WebhookRefusal | undefined {
  if (error instanceof UnauthorizedError) return 'unauthorized';
  if (error instanceof SignatureRejectedError) return error.status === 404 ? 'unsigned' : error.status === 400 ? 'timestamp' : 'signature';
  if (error instanceof BadInputError || error instanceof z.ZodError) return 'bad-request';
  if (error instanceof PayloadTooLargeError) return 'too-large';
  return undefined;
}

/** What a receiver counts its refusals and failures with. */
export interface ReceiverCounting {
  receiver: WebhookReceiver;
  metrics: () => Promise<Pick<ServiceMetrics, 'webhookRefused' | 'webhookFailed'>>;
  /** Whether the path's account is configured: a refused token is then `unauthorized`, else `unknown-account`. */
  knowsAccount: (accountId: string) => Promise<boolean>;
}

/**
 * middy error middleware built on {@link errorToResponse}; register it last. With `counting`, every 4xx is counted as
 * WebhooksRefused with its reason and every 5xx as WebhooksFailed (flushed by lib/edge/metrics.ts, registered before).
 */
export function httpErrors(counting?: ReceiverCounting): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const response = errorToResponse(request.error);
      const statusCode = response.statusCode ?? 500;
      if (statusCode < 500) logger.warn('webhook refused', { statusCode, reason: response.body });
      request.response = response;
      if (counting !== undefined) await countOutcome(counting, request.error, statusCode, request.event?.pathParameters?.accountId ?? '');
    },
  };
}

/** Counts one refused or failed request; never throws, so counting cannot change the answer. */
async function countOutcome(counting: ReceiverCounting, error: unknown, statusCode: number, accountId: string): Promise<void> {
  try {
    const metrics = await counting.metrics();
    const reason = statusCode >= 500 ? undefined : refusalReasonOf(error);
    if (reason === undefined) {
      metrics.webhookFailed(counting.receiver);
    } else if (reason === 'unauthorized' && !(await counting.knowsAccount(accountId))) {
      metrics.webhookRefused(counting.receiver, 'unknown-account');
    } else {
      metrics.webhookRefused(counting.receiver, reason);
    }
  } catch (failure) {
    logger.warn('webhook outcome not counted', { error: failure instanceof Error ? failure.message : String(failure) });
  }
}
