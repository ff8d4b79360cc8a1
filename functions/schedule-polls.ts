// EventBridge schedule (rate(30 minutes) by default) → schedulePolls → polls queue, one job per account.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../lib/observability.js';
import { schedulePollsWiring } from '../lib/wiring/schedule-polls.js';

// Cold start: fail fast on bad configuration, and warm the clients.
await schedulePollsWiring();

/** Fans the scheduled poll out to every configured account. */
export async function schedulePolls(): Promise<{ accounts: string[] }> {
  const result = await (await schedulePollsWiring()).schedulePolls();
  logger.info('poll jobs queued', { accounts: result.accounts });
  return result;
}

export const handler = middy<ScheduledEvent, { accounts: string[] }>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(schedulePolls);
