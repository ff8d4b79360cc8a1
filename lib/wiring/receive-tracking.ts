// receive-tracking's composition: the accounts' webhook view (no ShipStation or Klaviyo key), ShipStation's signing keys
// and the updates queue. Imports the SQS client only.
import { sqsClient } from '../adapters/aws-sqs-client.js';
import { ConfigWebhookAccounts } from '../adapters/config-account-directory.js';
import { JwksSignatureVerifier } from '../adapters/jwks-signature-verifier.js';
import { SqsNotificationQueue, SqsUpdateQueue } from '../adapters/sqs-queues.js';
import { systemClock } from '../adapters/system-clock.js';
import { loadFunctionConfig } from '../config.js';
import { logger } from '../observability.js';
import type { ServiceMetrics, WebhookAccounts } from '../ports.js';
import { makeAcceptTracking, type AcceptTracking } from '../use-cases/accept-tracking.js';
import { maskAccountSecrets, perContainer } from './container.js';
import { serviceMetrics } from './metrics.js';

export interface ReceiveTrackingWiring {
  accounts: WebhookAccounts;
  /** Signed V2 webhooks: tracking onto the updates queue, pointer webhooks onto the notifications queue. */
  acceptTracking: AcceptTracking;
  metrics: ServiceMetrics;
}

/** What this function reads: its view of the accounts and its setting concerns (scripts/function-config-check.ts holds serverless.yml to it). */
export const needs = { accounts: 'webhook', settings: ['updatesQueue', 'notificationsQueue', 'tracking', 'http'] } as const;

/** receive-tracking's composition in this container. */
export const receiveTrackingWiring = perContainer((env, document): ReceiveTrackingWiring => {
  const config = loadFunctionConfig(needs, env, document);
  maskAccountSecrets(config.accounts);
  const accounts = new ConfigWebhookAccounts(config.accounts);
  const metrics = serviceMetrics();
  // The signing keys of V2 tracking webhooks: every configured key set, merged.
  const verifier = new JwksSignatureVerifier({
    jwksUrls: config.trackingJwksUrls,
    timeoutMs: config.httpTimeoutMs,
    now: () => systemClock.now(),
    metrics,
    log: logger,
  });
  const sqs = sqsClient();
  const updates = new SqsUpdateQueue(sqs, config.updatesQueueUrl);
  const notifications = new SqsNotificationQueue(sqs, config.notificationsQueueUrl);
  return { accounts, acceptTracking: makeAcceptTracking({ accounts, verifier, updates, notifications, clock: systemClock }), metrics };
});
