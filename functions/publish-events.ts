// SQS updates → publishUpdate (snapshots) / publishTracking (V2 tracking updates) → DynamoDB (state, ledger) → Klaviyo
// Create Event. Partial batch failures.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { updateMessageSchema } from '../lib/domain/snapshot.js';
import { flushMetrics } from '../lib/edge/metrics.js';
import { processRecords, retryLaterOn } from '../lib/edge/sqs.js';
import { publishEventsWiring } from '../lib/wiring/publish-events.js';
import { logger } from '../lib/observability.js';

// Cold start: fail fast on bad configuration, and warm the clients.
await publishEventsWiring();

/** Publishes each snapshot's or tracking update's event; a failed record is retried by SQS alone. */
export async function publishEvents(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const wired = await publishEventsWiring();
  const { publishUpdate, publishTracking } = wired;
  return processRecords(
    event,
    context,
    updateMessageSchema,
    (message) => (message.kind === 'tracking' ? publishTracking(message) : publishUpdate(message)),
    retryLaterOn('updates', wired),
  );
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics(async () => (await publishEventsWiring()).metrics))
  .handler(publishEvents);
