// EventBridge rate(1 day) → checkKeyExpiry → per account: DaysUntilKeyExpiry (EMF), threshold alerts and key checks
// → SNS alert topic. One run checks every account; a failed alert send fails the run so EventBridge retries it.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../lib/observability.js';
import type { AccountKeyReport } from '../lib/use-cases/check-key-expiry.js';
import { checkKeyExpiryWiring } from '../lib/wiring/check-key-expiry.js';

// Cold start: fail fast on bad configuration, and warm the clients.
await checkKeyExpiryWiring();

/** Checks every account's keys and their expiry. */
export async function checkKeyExpiry(): Promise<{ accounts: AccountKeyReport[] }> {
  const accounts = await (await checkKeyExpiryWiring()).checkKeyExpiry();
  logger.info('keys checked', { accounts });
  return { accounts };
}

export const handler = middy<ScheduledEvent, { accounts: AccountKeyReport[] }>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(checkKeyExpiry);
