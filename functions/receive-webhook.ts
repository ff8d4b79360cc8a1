// API Gateway HTTP API (POST /webhooks/shipstation/{accountId}?token=…) → acceptWebhook → SQS notifications.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { flushMetrics } from '../lib/edge/metrics.js';
import { httpErrors, jsonResponse, readWebhookRequest } from '../lib/edge/http.js';
import { logger } from '../lib/observability.js';
import { receiveWebhookWiring } from '../lib/wiring/receive-webhook.js';

// Cold start: fail fast on bad configuration, and warm the clients.
await receiveWebhookWiring();

/** Answers ShipStation at once: 200 when queued or deliberately ignored, 4xx with a reason otherwise. */
export async function receiveWebhook(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const request = readWebhookRequest(event);
  // Only a well-formed id goes into every log line: before the token check, the path is whatever the caller sent.
  logger.appendKeys({ accountId: /^[a-z0-9][a-z0-9-]{0,62}$/.test(request.accountId) ? request.accountId : '(malformed)' });
  const { acceptWebhook } = await receiveWebhookWiring();
  const result = await acceptWebhook(request);
  if (result.status === 'ignored') logger.info('webhook ignored', { reason: result.reason });
  return jsonResponse(200, result);
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics(async () => (await receiveWebhookWiring()).metrics))
  .use(
    httpErrors({
      receiver: 'receive-webhook',
      metrics: async () => (await receiveWebhookWiring()).metrics,
      knowsAccount: async (accountId) => (await receiveWebhookWiring()).accounts.find(accountId) !== undefined,
    }),
  )
  .handler(receiveWebhook);
