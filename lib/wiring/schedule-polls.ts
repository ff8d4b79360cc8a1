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

/** schedule-polls' composition in this container. */
export const schedulePollsWiring = perContainer((env, document): SchedulePollsWiring => {
  const config = loadFunctionConfig({ accounts: 'webhook', settings: ['pollsQueue'] }, env, document);
  maskAccountSecrets(config.accounts);
  const accounts = new ConfigWebhookAccounts(config.accounts);
  return { schedulePolls: makeSchedulePolls({ accounts, pollJobs: new SqsPollJobQueue(sqsClient(), config.pollsQueueUrl) }) };
});
