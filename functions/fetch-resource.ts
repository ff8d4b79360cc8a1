// SQS notifications → fetchResource → ShipStation (GET resource_url) → SQS updates. Partial batch failures.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { notificationMessageSchema } from '../lib/domain/snapshot.js';
import { flushMetrics } from '../lib/edge/metrics.js';
import { processRecords, retryLaterOn } from '../lib/edge/sqs.js';
import { logger } from '../lib/observability.js';
import { fetchResourceWiring } from '../lib/wiring/fetch-resource.js';

// Cold start: fail fast on bad configuration, and warm the clients.
await fetchResourceWiring();

/** Fetches each notified resource; a failed record is retried by SQS alone. */
export async function fetchResources(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const wired = await fetchResourceWiring();
  const { fetchResource } = wired;
  return processRecords(
    event,
    context,
    notificationMessageSchema,
    async (message) => {
      const result = await fetchResource(message);
      logger.info('resource fetched', { accountId: message.accountId, resourceType: message.resourceType, ...result });
    },
    retryLaterOn('notifications', wired),
  );
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics(async () => (await fetchResourceWiring()).metrics))
  .handler(fetchResources);
