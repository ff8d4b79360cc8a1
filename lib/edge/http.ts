// HTTP edge of receive-webhook: reads the API Gateway event, and the one place errors become HTTP responses.
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { BadInputError, PayloadTooLargeError, SignatureRejectedError, UnauthorizedError } from '../domain/errors.js';
import { webhookNotificationSchema, type ParsedNotification } from '../domain/shipstation.js';
import { logger } from '../observability.js';

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
 * Maps errors to HTTP: 400 with the reason, 401 without one (a refused signature: 400/401/404 with its reason), 413, and a
 * generic 500 whose details go to the log.
 */
export function errorToResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof UnauthorizedError) return jsonResponse(401, { error: 'unauthorized' });
  if (error instanceof SignatureRejectedError) return jsonResponse(error.status, { error: error.reason });
  if (error instanceof BadInputError) return jsonResponse(400, { error: error.message });
  if (error instanceof z.ZodError) return jsonResponse(400, { error: error.issues.map((i) => i.message).join('; ') });
  if (error instanceof PayloadTooLargeError) return jsonResponse(413, { error: error.message });
  logger.error('unhandled error', { error });
  return jsonResponse(500, { error: 'internal error' });
}

/** middy error middleware built on {@link errorToResponse}; register it last. */
export function httpErrors(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const response = errorToResponse(request.error);
      if (response.statusCode !== 500) logger.warn('webhook refused', { statusCode: response.statusCode, reason: response.body });
      request.response = response;
    },
  };
}
