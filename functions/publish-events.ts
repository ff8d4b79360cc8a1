// SQS updates → publishUpdate → DynamoDB (state, ledger) → Klaviyo Create Event. Partial batch failures.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { snapshotSchema } from '../lib/domain/snapshot.js';
import { flushMetrics } from '../lib/edge/metrics.js';
import { processRecords } from '../lib/edge/sqs.js';
import { wiring } from '../lib/wiring.js';
import { logger } from '../lib/observability.js';

// Cold start: fail fast on bad configuration, and warm the clients.
await wiring();

/** Publishes each snapshot's event; a failed record is retried by SQS alone. */
export async function publishEvents(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const { publishUpdate } = await wiring();
  return processRecords(event, context, snapshotSchema, publishUpdate);
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics(async () => (await wiring()).metrics))
  .handler(publishEvents);
