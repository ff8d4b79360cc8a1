// schedule-polls' composition: the account ids (webhook view: no ShipStation or Klaviyo key) and the polls queue.
// Imports the SQS client only.
import { sqsClient } from '../adapters/aws-sqs-client.js';
import { ConfigWebhookAccounts } from '../adapters/config-account-directory.js';
import { SqsPollJobQueue } from '../adapters/sqs-queues.js';
import { loadFunctionConfig } from '../config.js';
import { makeSchedulePolls, type SchedulePolls } from '../use-cases/schedule-polls.js';
import { maskAccountSecrets, perContainer } from './container.js';

export interface SchedulePollsWiring {
  schedulePolls: SchedulePolls;
}

/** What this function reads: its view of the accounts and its setting concerns (scripts/function-config-check.ts holds serverless.yml to it). */
export const needs = { accounts: 'webhook', settings: ['pollsQueue'] } as const;

/** schedule-polls' composition in this container. */
export const schedulePollsWiring = perContainer((env, document): SchedulePollsWiring => {
  const config = loadFunctionConfig(needs, env, document);
  maskAccountSecrets(config.accounts);
  const accounts = new ConfigWebhookAccounts(config.accounts);
  return { schedulePolls: makeSchedulePolls({ accounts, pollJobs: new SqsPollJobQueue(sqsClient(), config.pollsQueueUrl) }) };
});
