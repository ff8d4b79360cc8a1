// Monthly AWS cost from measured usage: the per-order and per-poll counts the benchmark took on the local stack, times
// public us-east-1 on-demand prices. Fixed costs (metrics, dashboard, alarms, the SQS pollers of event source mappings,
// the accounts secret, the alert topic's KMS key) are listed on their own. Free tiers are ignored, so small volumes are overstated.
import type { Usage } from './aws-usage.js';

/** us-east-1 list prices (USD), on-demand, as published by AWS for Lambda, API Gateway, SQS, DynamoDB, CloudWatch. */
export const PRICES = {
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  httpApiPerMillionRequests: 1.0,
  sqsPerMillionRequests: 0.4,
  dynamoDbPerMillionWriteUnits: 0.625,
  dynamoDbPerMillionReadUnits: 0.125,
  logsPerGbIngested: 0.5,
  customMetricPerMonth: 0.3,
  dashboardPerMonth: 3.0,
  alarmPerMonth: 0.1,
  secretPerMonth: 0.4,
  secretsPerTenThousandCalls: 0.05,
  kmsKeyPerMonth: 1.0,
} as const;

/** Memory of each function (serverless.yml: receive-webhook 256 MB, the others the framework's default 1024 MB). */
const MEMORY_MB: Record<string, number> = { 'receive-webhook': 256 };
const DEFAULT_MEMORY_MB = 1024;
/** Functions behind an SQS event source mapping: each invocation also costs its batch's receive and delete requests. */
const SQS_CONSUMERS = new Set(['fetch-resource', 'publish-events', 'poll-shipstation', 'publish-history']);

const MINUTES_PER_MONTH = 30 * 24 * 60;
const POLLS_PER_MONTH = 2 * 24 * 30; // rate(30 minutes)

export interface CostLine {
  item: string;
  usd: number;
}

/** SQS requests of a usage: the handlers' sends, and a receive plus a delete per invocation of an SQS consumer. */
export function sqsRequests(usage: Usage): { sends: number; consumer: number; total: number } {
  let consumer = 0;
  for (const [fn, { count }] of usage.invocations) if (SQS_CONSUMERS.has(fn)) consumer += 2 * count; // ReceiveMessage + DeleteMessageBatch per batch
  return { sends: usage.sqsSendRequests, consumer, total: usage.sqsSendRequests + consumer };
}

/** Dollars for a measured usage, by AWS service. */
export function usageCost(usage: Usage): { lambda: number; httpApi: number; sqs: number; dynamoDb: number; logs: number } {
  let lambda = 0;
  for (const [fn, { count, ms }] of usage.invocations) {
    const gbSeconds = (Math.ceil(ms) / 1000) * ((MEMORY_MB[fn] ?? DEFAULT_MEMORY_MB) / 1024);
    lambda += (count / 1e6) * PRICES.lambdaPerMillionRequests + gbSeconds * PRICES.lambdaArmPerGbSecond;
  }
  const webhooks = usage.invocations.get('receive-webhook')?.count ?? 0;
  return {
    lambda,
    httpApi: (webhooks / 1e6) * PRICES.httpApiPerMillionRequests,
    sqs: (sqsRequests(usage).total / 1e6) * PRICES.sqsPerMillionRequests,
    dynamoDb: (usage.dynamoDbWriteUnits / 1e6) * PRICES.dynamoDbPerMillionWriteUnits + (usage.dynamoDbReadUnits / 1e6) * PRICES.dynamoDbPerMillionReadUnits,
    logs: (usage.logBytes / 1024 ** 3) * PRICES.logsPerGbIngested,
  };
}

const sum = (parts: Record<string, number>): number => Object.values(parts).reduce((a, b) => a + b, 0);

/**
 * Fixed monthly costs of one deployment with `accounts` accounts: the polls of an idle shop (measured per poll), the
 * custom metric series, the dashboard and alarms, the event source mappings' idle long polls, the accounts secret.
 */
export function fixedMonthlyCost(idlePoll: Usage, accounts: number): CostLine[] {
  // Series: 10 service-wide metrics (HeldEvents, the held backlog, and the worst account's poll lag and key expiry among
  // them), EventsSent for ~12 Klaviyo metric names, ~3 WebhooksRefused reasons the internet's probes bring every month
  // (the failure series exist only while something fails). None per account: the account is a property of the lag and
  // expiry lines, which the dashboard's Logs Insights tables read.
  const metricSeries = 10 + 12 + 3;
  // 4 DLQ + 4 oldest-message + 8 function-error + poll-lag + key-expiry + dead-letter-record + held-events alarms, and
  // the receivers' 2 failure, signing-keys and refused-signatures alarms.
  const alarms = 24;
  // Each SQS event source mapping keeps about 5 pollers long-polling (20 s): 3 requests a minute each, 4 queues.
  const idleSqsRequests = 4 * 5 * 3 * MINUTES_PER_MONTH;
  // About 10 warm containers re-reading the accounts secret once a minute (ACCOUNTS_CACHE_SECONDS=60).
  const secretCalls = 10 * MINUTES_PER_MONTH;
  return [
    {
      item: `scheduled polls of ${accounts} idle account(s) (measured per poll, × ${POLLS_PER_MONTH}/month)`,
      usd: sum(usageCost(idlePoll)) * POLLS_PER_MONTH * accounts,
    },
    { item: `${metricSeries} custom metric series`, usd: metricSeries * PRICES.customMetricPerMonth },
    { item: 'dashboard', usd: PRICES.dashboardPerMonth },
    { item: `${alarms} alarms`, usd: alarms * PRICES.alarmPerMonth },
    { item: 'SQS long polls of 4 event source mappings', usd: (idleSqsRequests / 1e6) * PRICES.sqsPerMillionRequests },
    {
      item: 'accounts secret (1 secret, ~10 containers re-reading it every minute)',
      usd: PRICES.secretPerMonth + (secretCalls / 1e4) * PRICES.secretsPerTenThousandCalls,
    },
    { item: 'KMS key of the alert topic (its requests: a few per alert)', usd: PRICES.kmsKeyPerMonth },
  ];
}

/** Cost of `orders` orders a month from the measured usage of `measuredOrders` orders. */
export function perOrderMonthlyCost(usage: Usage, measuredOrders: number, orders: number): Record<string, number> {
  const cost = usageCost(usage);
  return Object.fromEntries(Object.entries(cost).map(([service, usd]) => [service, (usd / measuredOrders) * orders]));
}

/** Cost of a million events from the measured usage of `events` events, by AWS service and in total. */
export function perMillionEventsCost(usage: Usage, events: number): Record<string, number> & { total: number } {
  const cost = usageCost(usage);
  const scaled = Object.fromEntries(Object.entries(cost).map(([service, usd]) => [service, (usd / events) * 1e6]));
  return { ...scaled, total: Object.values(scaled).reduce((a, b) => a + b, 0) };
}
