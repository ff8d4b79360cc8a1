// check-key-expiry's composition: every account's keys checked against ShipStation and Klaviyo, days-to-expiry metrics,
// threshold alerts (SNS, loaded on the first alert). Imports the DynamoDB and SQS clients.
import { dynamoDbClient } from '../adapters/aws-dynamodb-client.js';
import { sqsClient } from '../adapters/aws-sqs-client.js';
import { PowertoolsHealthMetrics } from '../adapters/powertools-health-metrics.js';
import { systemClock } from '../adapters/system-clock.js';
import { loadFunctionConfig } from '../config.js';
import { metrics } from '../observability.js';
import { makeCheckKeyExpiry, type CheckKeyExpiry } from '../use-cases/check-key-expiry.js';
import { perContainer } from './container.js';
import { credentialHealth, klaviyoApi, shipStationApi, shipStationV2Api, workerBase } from './parts.js';

export interface CheckKeyExpiryWiring {
  checkKeyExpiry: CheckKeyExpiry;
}

/** What this function reads: its view of the accounts and its setting concerns (scripts/function-config-check.ts holds serverless.yml to it). */
export const needs = { accounts: 'full', settings: ['storage', 'pollsQueue', 'http', 'shipStationBudget', 'klaviyo', 'retries', 'alerts'] } as const;

/** check-key-expiry's composition in this container. */
export const checkKeyExpiryWiring = perContainer((env, document): CheckKeyExpiryWiring => {
  const config = loadFunctionConfig(needs, env, document);
  const base = workerBase(config);
  const dynamodb = dynamoDbClient();
  const checkKeyExpiry = makeCheckKeyExpiry({
    ...credentialHealth(config, systemClock, { dynamodb, sqs: sqsClient() }),
    accounts: base.accounts,
    shipStation: shipStationApi(config, systemClock, dynamodb, base.metrics),
    shipStationV2: shipStationV2Api(config, systemClock, dynamodb, base.metrics),
    klaviyo: klaviyoApi(config, systemClock),
    metrics: new PowertoolsHealthMetrics(metrics),
  });
  return { checkKeyExpiry };
});
