// receive-webhook's composition: the accounts' webhook view (no ShipStation or Klaviyo key), the notifications queue
// and the receiver's metrics. Imports the SQS client only.
import { sqsClient } from '../adapters/aws-sqs-client.js';
import { ConfigWebhookAccounts } from '../adapters/config-account-directory.js';
import { SqsNotificationQueue } from '../adapters/sqs-queues.js';
import { systemClock } from '../adapters/system-clock.js';
import { loadFunctionConfig } from '../config.js';
import type { ServiceMetrics, WebhookAccounts } from '../ports.js';
import { makeAcceptWebhook, type AcceptWebhook } from '../use-cases/accept-webhook.js';
import { maskAccountSecrets, perContainer } from './container.js';
import { serviceMetrics } from './metrics.js';

export interface ReceiveWebhookWiring {
  accounts: WebhookAccounts;
  acceptWebhook: AcceptWebhook;
  metrics: ServiceMetrics;
}

/** What this function reads: its view of the accounts and its setting concerns (scripts/function-config-check.ts holds serverless.yml to it). */
export const needs = { accounts: 'webhook', settings: ['notificationsQueue'] } as const;

/** receive-webhook's composition in this container. */
export const receiveWebhookWiring = perContainer((env, document): ReceiveWebhookWiring => {
  const config = loadFunctionConfig(needs, env, document);
  maskAccountSecrets(config.accounts);
  const accounts = new ConfigWebhookAccounts(config.accounts);
  const notifications = new SqsNotificationQueue(sqsClient(), config.notificationsQueueUrl);
  return { accounts, acceptWebhook: makeAcceptWebhook({ accounts, notifications, clock: systemClock }), metrics: serviceMetrics() };
});
