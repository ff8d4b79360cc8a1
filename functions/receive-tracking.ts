// API Gateway HTTP API (POST /webhooks/tracking/{accountId}?token=…) → acceptTracking → SQS updates.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { flushMetrics } from '../lib/edge/metrics.js';
import { httpErrors, jsonResponse } from '../lib/edge/http.js';
import { readTrackingRequest } from '../lib/edge/tracking-http.js';
import { logger } from '../lib/observability.js';
import { receiveTrackingWiring } from '../lib/wiring/receive-tracking.js';

// Cold start: fail fast on bad configuration, and warm the clients.
await receiveTrackingWiring();

/** Answers ShipStation at once: 200 when queued or deliberately ignored, 4xx with a reason otherwise, 5xx to be retried. */
export async function receiveTracking(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const request = readTrackingRequest(event);
  // Only a well-formed id goes into every log line: before the checks, the path is whatever the caller sent.
  logger.appendKeys({ accountId: /^[a-z0-9][a-z0-9-]{0,62}$/.test(request.accountId) ? request.accountId : '(malformed)' });
  const { acceptTracking } = await receiveTrackingWiring();
  const result = await acceptTracking(request);
  if (result.status === 'ignored') logger.info('tracking webhook ignored', { reason: result.reason });
  return jsonResponse(200, result);
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics(async () => (await receiveTrackingWiring()).metrics))
  .use(
    httpErrors({
      receiver: 'receive-tracking',
      metrics: async () => (await receiveTrackingWiring()).metrics,
      knowsAccount: async (accountId) => (await receiveTrackingWiring()).accounts.find(accountId) !== undefined,
    }),
  )
  .handler(receiveTracking);
