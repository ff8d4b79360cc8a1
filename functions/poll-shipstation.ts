// SQS polls (one job per account) → runPollJob → ShipStation list pages → updates / history queues; cursor in DynamoDB.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { pollJobSchema } from '../lib/domain/poll-plan.js';
import { flushMetrics } from '../lib/edge/metrics.js';
import { processRecords, retryLaterOn } from '../lib/edge/sqs.js';
import { logger } from '../lib/observability.js';
import { pollShipStationWiring } from '../lib/wiring/poll-shipstation.js';

// Cold start: fail fast on bad configuration, and warm the clients.
await pollShipStationWiring();

/**
 * Stop a run this long before the Lambda deadline: one more page must fit, at its worst (a budget wait of up to 65 s,
 * four attempts of 10 s with backoff), plus the enqueue and the checkpoint.
 */
const RESERVE_MS = 150_000;

/** Polls each account job; a run that stops early is continued by a new job, a failed one is retried by SQS. */
export async function pollShipStation(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const wired = await pollShipStationWiring();
  const { runPollJob } = wired;
  return processRecords(
    event,
    context,
    pollJobSchema,
    async (job) => {
      const outcome = await runPollJob(job, { timeLeftMs: () => context.getRemainingTimeInMillis(), reserveMs: RESERVE_MS });
      logger.info('poll job done', { accountId: job.accountId, reason: job.reason, status: outcome.status, runs: outcome.runs });
    },
    retryLaterOn('polls', wired),
  );
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics(async () => (await pollShipStationWiring()).metrics))
  .handler(pollShipStation);
