// HTTP edge of receive-tracking: reads account, token, signature headers and the raw body from the API Gateway event.
// Errors become HTTP responses in lib/edge/http.ts, as for receive-webhook.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PayloadTooLargeError } from '../domain/errors.js';

/** A TRACK_EVENT_V2 carries the carrier's scans inline; a few kilobytes usually, never anywhere near this. */
export const TRACKING_BODY_LIMIT_BYTES = 256 * 1024;

export interface TrackingRequest {
  accountId: string;
  token: string;
  headers: { keyId?: string | undefined; signature?: string | undefined; timestamp?: string | undefined };
  /** The body as ShipStation sent it (base64-decoded when API Gateway encoded it), never re-serialised. */
  rawBody: string;
}

/**
 * Reads a V2 tracking webhook from the HTTP API event. Header names are matched case-insensitively (API Gateway
 * lowercases them, other front doors may not). An oversized body throws at once (413); everything else is checked by
 * acceptTracking, signature first.
 */
export function readTrackingRequest(event: APIGatewayProxyEventV2): TrackingRequest {
  const rawBody = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(rawBody) > TRACKING_BODY_LIMIT_BYTES) throw new PayloadTooLargeError(TRACKING_BODY_LIMIT_BYTES);
  const headers = new Map(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    accountId: event.pathParameters?.accountId ?? '',
    token: event.queryStringParameters?.token ?? '',
    headers: {
      keyId: headers.get('x-shipengine-rsa-sha256-key-id'),
      signature: headers.get('x-shipengine-rsa-sha256-signature'),
      timestamp: headers.get('x-shipengine-timestamp'),
    },
    rawBody,
  };
}
