// `tsx bench/import.ts <result.json>` (run by bench/run.ts): the first poll of a new account, a 90-day import of a
// generated shop history (BENCH_IMPORT_ORDERS orders, default 20,000), then its events through publish-history.
// ShipStation side in simulated time: the service's wiring (buildWiring(config, clock)), its DynamoDB rate budget and the
// ShipStation simulator (which enforces 40 requests/minute) share one SimulatedTime. Klaviyo side in host time: the
// history queue is drained by the publish-history handler itself, two consumers at once (its maximumConcurrency).
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { resultPath } from './child.js';
import { pollToTheEnd } from './poll-loop.js';
import { busiestMinute, SimulatedTime } from '../lib/local/simulated-time.js';
import type { UsageJson } from './aws-usage.js';

process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { startLocalAws } = await import('../lib/local/aws-stand-ins.js');
const { consumeQueue } = await import('../lib/local/lambda-runtime.js');
const { KlaviyoSimulator } = await import('../lib/local/simulators/klaviyo-simulator.js');
const { ShipStationSimulator } = await import('../lib/local/simulators/shipstation-simulator.js');
const { buildShopHistory } = await import('../lib/local/simulators/shop-history.js');
const { countUsage, usageToJson, snapshotUsage, usageBetween } = await import('./aws-usage.js');

/** What this part hands to bench/run.ts. */
export interface ImportResult {
  orders: number;
  importDays: number;
  history: { orders: number; shipments: number; fulfillments: number; buildMs: number };
  /** Pages of 500 the import cannot do without: one walk over each stream. */
  minimumPages: { orders: number; shipments: number; fulfillments: number };
  pollStatus: string;
  pollInvocations: number;
  shipStation: { requests: number; listRequests: number; byPath: Record<string, number>; throttled: number; notOk: number; busiestMinute: number };
  /** Simulated time from the poll's start to its end: the service's waits only (the clock stands still during work). */
  pollSimMs: number;
  simulatedWaitMs: number;
  /** Host time the poll's work took (HTTP to the simulator, DynamoDB, SQS). */
  pollHostMs: number;
  historyMessages: number;
  publishHostMs: number;
  klaviyo: {
    events: number;
    backfilled: number;
    duplicatesDropped: number;
    bulkRequests: number;
    createEventRequests: number;
    throttled: number;
    notAccepted: number;
  };
  expectedEvents: number;
  historyDeadLetters: number;
  historyLeft: number;
  /** BULK_WAIT_SECONDS of this run. */
  bulkWaitSeconds: number;
  failures: string[];
  usage: UsageJson;
  pollUsage: UsageJson;
  publishUsage: UsageJson;
  hostMs: number;
}

const ORDERS = Number(process.env.BENCH_IMPORT_ORDERS ?? 20_000);
const IMPORT_DAYS = 90;
const RATE_LIMIT_PER_MINUTE = 40;
const PAGE_SIZE = 500;
/** How long history events short of a full bulk request wait for more (BULK_WAIT_SECONDS) in this run. */
const BULK_WAIT_SECONDS = 20;
/** poll-shipstation's timeout, and the reserve its handler keeps before it (functions/poll-shipstation.ts). */
const POLL_TIMEOUT_MS = 900_000;
const POLL_RESERVE_MS = 150_000;
const KEYS = { shipStationKey: 'bench-shipstation-key', shipStationSecret: 'bench-shipstation-secret', klaviyoKey: 'bench-klaviyo-private-key' };
const progress = (line: string): void => void process.stderr.write(`  import: ${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const hostStart = performance.now();
const aws = await startLocalAws({ visibilityTimeoutSeconds: 120 });
const time = new SimulatedTime(Date.now());
let parked: Date | undefined;
const shop = await ShipStationSimulator.start({
  apiKey: KEYS.shipStationKey,
  apiSecret: KEYS.shipStationSecret,
  rateLimitPerMinute: RATE_LIMIT_PER_MINUTE,
  now: () => parked ?? time.now(),
});
const klaviyo = await KlaviyoSimulator.start({ privateKeys: [KEYS.klaviyoKey] });
try {
  // The history ends 10 minutes before the import starts and begins 5 minutes after the 90-day window does, so every
  // record lies inside the window and the minimum page count follows from the history alone.
  const buildStart = performance.now();
  const history = buildShopHistory(
    shop,
    { set: (at) => void (parked = at) },
    {
      orders: ORDERS,
      days: IMPORT_DAYS - 15 / 1440,
      seed: 1,
      end: new Date(time.now().getTime() - 10 * 60_000),
    },
  );
  parked = undefined;
  const buildMs = performance.now() - buildStart;
  progress(`history of ${ORDERS} orders built in ${Math.round(buildMs)} ms (${history.shipments.length} labels, ${history.fulfillments.length} fulfilments)`);

  Object.assign(process.env, aws.env, {
    SHIPSTATION_API_KEY: KEYS.shipStationKey,
    SHIPSTATION_API_SECRET: KEYS.shipStationSecret,
    SHIPSTATION_KEY_EXPIRES_ON: new Date(time.now().getTime() + 180 * 86_400_000).toISOString().slice(0, 10),
    SHIPSTATION_BASE_URL: shop.baseUrl,
    KLAVIYO_PRIVATE_KEY: KEYS.klaviyoKey,
    KLAVIYO_BASE_URL: klaviyo.baseUrl,
    WEBHOOK_TOKEN: 'bench-webhook-token-0123456789',
    IMPORT_DAYS: String(IMPORT_DAYS),
    SHIPSTATION_REQUESTS_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
    // The publish phase runs in host time: 20 s instead of the default 120 s keeps the run short. A shorter wait can
    // only send more partial requests (a flush between two batches), never fewer, so the ratio below is an upper bound.
    BULK_WAIT_SECONDS: String(BULK_WAIT_SECONDS),
  });
  const { loadConfig } = await import('../lib/config.js');
  const { buildWiring } = await import('../lib/wiring.js');
  const { dynamoDbClient } = await import('../lib/adapters/aws-dynamodb-client.js');
  const { sqsClient } = await import('../lib/adapters/aws-sqs-client.js');
  const counter = countUsage({ dynamodb: dynamoDbClient(), sqs: sqsClient() });

  // --- ShipStation: the poll use case (what poll-shipstation runs), on the simulated clock. Each call is one Lambda
  // invocation with a simulated 900 s deadline; a run stopped early is continued after its delay, as its SQS
  // continuation job would be.
  const { pollAccount } = buildWiring(loadConfig(process.env), time);
  const pollSimStart = time.now().getTime();
  const pollHostStart = performance.now();
  let pollBilledMs = 0;
  const { status, invocations: pollInvocations } = await pollToTheEnd(time, pollAccount, {
    accountId: 'default',
    timeoutMs: POLL_TIMEOUT_MS,
    reserveMs: POLL_RESERVE_MS,
    // Billed like Lambda: the waits (simulated) plus the work (host time).
    onInvocation: (simMs, hostMs) => void (pollBilledMs += simMs + hostMs),
  });
  const pollSimMs = time.now().getTime() - pollSimStart;
  const pollHostMs = performance.now() - pollHostStart;
  counter.usage.invocations.set('poll-shipstation', { count: pollInvocations, ms: pollBilledMs });
  const afterPoll = snapshotUsage(counter.usage);
  progress(
    `poll ${status}: ${shop.requests.length} ShipStation requests in ${(pollSimMs / 60_000).toFixed(2)} simulated minutes (${Math.round(pollHostMs)} ms host)`,
  );

  // --- Klaviyo: the publish-history handler drains the history queue, in host time.
  const publishHistory = await import('../functions/publish-history.js');
  const failures: string[] = [];
  const consumers = [0, 1].map(() =>
    consumeQueue({
      sqs: aws.sqs,
      queueUrl: aws.queues.history,
      functionName: 'publish-history',
      handler: publishHistory.handler,
      batchSize: 10,
      timeoutMs: 120_000,
      batchWindowMs: 5_000, // serverless.yml: maximumBatchingWindow 5
      onError: (error) => void failures.push(error instanceof Error ? error.message : String(error)),
    }),
  );
  const depth = async (queueUrl: string): Promise<number> => {
    const { Attributes } = await aws.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    // Delayed too: the outbox's flush message waits BULK_WAIT_SECONDS before it is visible.
    return (
      Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0)
    );
  };
  const historyMessages = await depth(aws.queues.history);
  const publishStart = performance.now();
  const deadline = Date.now() + 8 * 60_000;
  await Promise.all(
    consumers.map(async (consumer) => {
      while (Date.now() < deadline) {
        if ((await consumer.pollOnce()) > 0) continue;
        if ((await depth(aws.queues.history)) === 0) return;
        await sleep(200);
      }
    }),
  );
  const publishHostMs = performance.now() - publishStart;
  const publishUsage = usageBetween(afterPoll, counter.usage);
  counter.stop();

  // The events an import of this history must send: each order's current status (shipped orders get theirs from the
  // label or fulfilment), each live label (outbound or return) and each live fulfilment.
  const statusEvents = new Set(['awaiting_payment', 'awaiting_shipment', 'pending_fulfillment', 'on_hold', 'cancelled', 'rejected_fulfillment']);
  const expectedEvents =
    history.orders.filter((o) => statusEvents.has(o.status)).length +
    history.shipments.filter((s) => !s.voided).length +
    history.fulfillments.filter((f) => !f.voided).length;
  const pages = (rows: number): number => Math.max(1, Math.ceil(rows / PAGE_SIZE));
  const listPaths = new Set(['/orders', '/shipments', '/fulfillments']);
  const klaviyoByPath = (path: string): number => klaviyo.requests.filter((r) => r.path === path).length;
  const result: ImportResult = {
    orders: ORDERS,
    importDays: IMPORT_DAYS,
    history: { orders: history.orders.length, shipments: history.shipments.length, fulfillments: history.fulfillments.length, buildMs },
    minimumPages: { orders: pages(history.orders.length), shipments: pages(history.shipments.length), fulfillments: pages(history.fulfillments.length) },
    pollStatus: status,
    pollInvocations,
    shipStation: {
      requests: shop.requests.length,
      listRequests: shop.requests.filter((r) => listPaths.has(r.path)).length,
      byPath: Object.fromEntries([...new Set(shop.requests.map((r) => r.path))].map((path) => [path, shop.requests.filter((r) => r.path === path).length])),
      throttled: shop.requests.filter((r) => r.status === 429).length,
      notOk: shop.requests.filter((r) => r.status !== 200).length,
      busiestMinute: busiestMinute(shop.requests),
    },
    pollSimMs,
    simulatedWaitMs: time.slept,
    pollHostMs,
    historyMessages,
    publishHostMs,
    klaviyo: {
      events: klaviyo.events.length,
      backfilled: klaviyo.events.filter((e) => e.backfill).length,
      duplicatesDropped: klaviyo.duplicatesDropped,
      bulkRequests: klaviyoByPath('/api/event-bulk-create-jobs'),
      createEventRequests: klaviyoByPath('/api/events'),
      throttled: klaviyo.requests.filter((r) => r.status === 429).length,
      notAccepted: klaviyo.requests.filter((r) => r.status !== 202).length,
    },
    expectedEvents,
    historyDeadLetters: await depth(aws.queues.historyDlq),
    historyLeft: await depth(aws.queues.history),
    bulkWaitSeconds: BULK_WAIT_SECONDS,
    failures: failures.slice(0, 5),
    usage: usageToJson(counter.usage),
    pollUsage: usageToJson(afterPoll),
    publishUsage: usageToJson(publishUsage),
    hostMs: performance.now() - hostStart,
  };
  writeFileSync(resultPath(), JSON.stringify(result));
  progress(
    `${result.klaviyo.events} of ${expectedEvents} events accepted in ${result.klaviyo.bulkRequests} bulk requests (${Math.round(publishHostMs)} ms host)`,
  );
  await Promise.all(consumers.map((consumer) => consumer.stop()));
} finally {
  await Promise.all([shop.close(), klaviyo.close()]);
  await aws.close();
}
