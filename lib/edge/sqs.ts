// SQS edge of the consumers: each record's body is zod-parsed and handled alone; a failing record is reported in
// batchItemFailures (ReportBatchItemFailures) so SQS retries just that one and finally moves it to the DLQ. Before it
// is reported, its visibility is set to the queue's backoff (lib/domain/retry.ts), so it comes back in seconds to
// minutes rather than after the queue's visibility timeout.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from '../domain/zod.js';
import { BadInputError, TransientError } from '../domain/errors.js';
import { cappedPolicy, RETRY_POLICIES, retryDelaySeconds, type RetriedQueue, type RetryPolicy } from '../domain/retry.js';
import { logger } from '../observability.js';
import type { MessageVisibility } from '../ports.js';

/** Schedules the next receive of a failed record. */
export type RetryLater = (record: SQSRecord, error: unknown) => Promise<void>;

/** A consumer's retries on its own queue: the queue's policy (RETRY_POLICIES), its delays capped when configured. */
export function retryLaterOn<Q extends RetriedQueue>(
  queue: Q,
  wired: { visibility: Record<Q, MessageVisibility>; config: { retryMaxDelaySeconds?: number | undefined } },
): RetryLater {
  return retryWithBackoff(wired.visibility[queue], cappedPolicy(RETRY_POLICIES[queue], wired.config.retryMaxDelaySeconds));
}

/**
 * Backoff for a queue's failed records: the delay grows with the record's receive count and honours what the error
 * says to wait (Retry-After, a rate budget's wait). Setting it may fail (the message then comes back after the queue's
 * visibility timeout, as before): logged, never thrown, so the batch response still reports the failure.
 * @param random a number in [0, 1) for the jitter (tests pass a fixed one)
 */
export function retryWithBackoff(visibility: MessageVisibility, policy: RetryPolicy, random: () => number = Math.random): RetryLater {
  return async (record, error) => {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? '1') || 1;
    const retryAfter = error instanceof TransientError ? error.retryAfterSeconds : undefined;
    const seconds = retryDelaySeconds(policy, receiveCount, random(), retryAfter);
    try {
      await visibility.delay(record.receiptHandle, seconds);
      logger.info('record retried later', { messageId: record.messageId, receiveCount, retryInSeconds: seconds });
    } catch (failure) {
      logger.warn('retry delay not set; the record comes back after the visibility timeout', {
        messageId: record.messageId,
        error: failure instanceof Error ? { name: failure.name, message: failure.message } : String(failure),
      });
    }
  };
}

/**
 * Processes an SQS batch record by record.
 * @param schema the message body's schema; a body that does not parse fails its record only
 * @param handle the use-case call for one parsed message
 */
export async function processRecords<T>(
  event: SQSEvent,
  context: Context,
  schema: z.ZodMiniType<T>,
  handle: (message: T) => Promise<unknown>,
  retryLater?: RetryLater,
): Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const keys: Record<string, unknown> = {
      messageId: record.messageId,
      accountId: record.messageAttributes?.accountId?.stringValue,
      receiveCount: record.attributes?.ApproximateReceiveCount,
    };
    try {
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {
        throw new BadInputError('message body is not JSON');
      }
      if (body !== null && typeof body === 'object' && 'orderId' in body) keys.orderId = body.orderId;
      const parsed = schema.safeParse(body);
      if (!parsed.success)
        throw new BadInputError(`message body does not match the schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      await handle(parsed.data);
    } catch (error) {
      logger.warn('record failed; SQS will retry it, then move it to the DLQ', {
        ...keys,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      await retryLater?.(record, error);
      throw error;
    }
  };
  return processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
}

/**
 * Parses every record of a batch that is handled as a whole (publish-history): the ones that parse, and the ids of
 * those that do not (reported as failures, so they reach the DLQ with their reason logged).
 */
export function parseRecords<T>(event: SQSEvent, schema: z.ZodMiniType<T>): { parsed: { messageId: string; body: T }[]; failed: string[] } {
  const parsed: { messageId: string; body: T }[] = [];
  const failed: string[] = [];
  for (const record of event.Records) {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const result = schema.safeParse(body);
    if (result.success) parsed.push({ messageId: record.messageId, body: result.data });
    else {
      failed.push(record.messageId);
      logger.warn('record failed; SQS will retry it, then move it to the DLQ', {
        messageId: record.messageId,
        accountId: record.messageAttributes?.accountId?.stringValue,
        error:
          body === undefined
            ? 'message body is not JSON'
            : `message body does not match the schema: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      });
    }
  }
  return { parsed, failed };
}

/** Schedules the next receive of each failed record of a batch handled as a whole (publish-history). */
export async function retryRecords(event: SQSEvent, failed: Map<string, unknown>, retryLater: RetryLater): Promise<void> {
  await Promise.all(event.Records.filter((record) => failed.has(record.messageId)).map((record) => retryLater(record, failed.get(record.messageId))));
}
