// SQS history (packed historical snapshots) → publishHistory → DynamoDB (state, ledger) → Klaviyo Bulk Create Events.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { historyQueueMessageSchema } from '../lib/domain/snapshot.js';
import { flushMetrics } from '../lib/edge/metrics.js';
import { parseRecords, retryLaterOn, retryRecords } from '../lib/edge/sqs.js';
import { logger } from '../lib/observability.js';
import { publishHistoryWiring } from '../lib/wiring/publish-history.js';

// Cold start: fail fast on bad configuration, and warm the clients.
await publishHistoryWiring();

/**
 * Publishes the whole batch together so its events fill bulk requests (a partial last request waits in the outbox for
 * the next batch, or for the look at the outbox a flush message asks for). A message that does not parse, whose snapshot
 * failed, or whose account's events could not be sent is reported in batchItemFailures; SQS brings back just those.
 */
export async function publishHistory(event: SQSEvent): Promise<SQSBatchResponse> {
  const wired = await publishHistoryWiring();
  const { publishHistory: publish } = wired;
  const { parsed, failed } = parseRecords(event, historyQueueMessageSchema);
  const outcome = await publish(
    parsed.flatMap(({ messageId, body }) => ('snapshots' in body ? body.snapshots.map((snapshot) => ({ tag: messageId, snapshot })) : [])),
    parsed.flatMap(({ messageId, body }) => ('flushOutbox' in body ? [{ accountId: body.accountId, before: body.flushOutbox.before, tag: messageId }] : [])),
  );
  for (const { tag, error } of outcome.failed) {
    logger.warn('history snapshot failed; its message will be retried', {
      messageId: tag,
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    });
  }
  const failures = new Map<string, unknown>([
    ...failed.map((id): [string, unknown] => [id, undefined]),
    ...outcome.failed.map((f): [string, unknown] => [f.tag, f.error]),
  ]);
  await retryRecords(event, failures, retryLaterOn('history', wired));
  logger.info('history batch published', {
    messages: event.Records.length,
    sent: outcome.sent.length,
    bulkRequests: outcome.bulkRequests,
    deduplicated: outcome.deduplicated.length,
    failedMessages: failures.size,
  });
  return { batchItemFailures: [...failures.keys()].map((itemIdentifier) => ({ itemIdentifier })) };
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics(async () => (await publishHistoryWiring()).metrics))
  .handler(publishHistory);
