// SQS edge of the consumers: each record's body is zod-parsed and handled alone; a failing record is reported in
// batchItemFailures (ReportBatchItemFailures) so SQS retries just that one and finally moves it to the DLQ.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from 'zod';
import { BadInputError } from '../domain/errors.js';
import { logger } from '../observability.js';

/**
 * Processes an SQS batch record by record.
 * @param schema the message body's schema; a body that does not parse fails its record only
 * @param handle the use-case call for one parsed message
 */
export async function processRecords<T>(
  event: SQSEvent,
  context: Context,
  schema: z.ZodType<T>,
  handle: (message: T) => Promise<unknown>,
): Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const keys: Record<string, unknown> = { messageId: record.messageId, accountId: record.messageAttributes?.accountId?.stringValue, receiveCount: record.attributes?.ApproximateReceiveCount };
    try {
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {
        throw new BadInputError('message body is not JSON');
      }
      if (body !== null && typeof body === 'object' && 'orderId' in body) keys.orderId = body.orderId;
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new BadInputError(`message body does not match the schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      await handle(parsed.data);
    } catch (error) {
      logger.warn('record failed; SQS will retry it, then move it to the DLQ', {
        ...keys,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      throw error;
    }
  };
  return processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
}

/**
 * Parses every record of a batch that is handled as a whole (publish-history): the ones that parse, and the ids of
 * those that do not (reported as failures, so they reach the DLQ with their reason logged).
 */
export function parseRecords<T>(event: SQSEvent, schema: z.ZodType<T>): { parsed: { messageId: string; body: T }[]; failed: string[] } {
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
        error: body === undefined ? 'message body is not JSON' : `message body does not match the schema: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      });
    }
  }
  return { parsed, failed };
}
