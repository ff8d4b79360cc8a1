// `tsx bench/import-v2.ts <result.json>` (run by bench/run.ts): the first poll of an account on ShipStation API V2 only,
// a 90-day import of a generated shop history (BENCH_V2_IMPORT_ORDERS orders, default 20,000) read through V2's
// shipments, labels and fulfilments. ShipStation side only, in simulated time like bench/import.ts: the service's
// wiring, its DynamoDB V2 rate budget and the simulator (which enforces V2's 200 requests/minute) share one
// SimulatedTime; the events it enqueues are what the V1 import's publishing part measures, so they are not sent here.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { resultPath } from './child.js';
import { pollToTheEnd } from './poll-loop.js';
import { busiestMinute, SimulatedTime } from '../lib/local/simulated-time.js';

process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { startLocalAws } = await import('../lib/local/aws-stand-ins.js');
const { KlaviyoSimulator } = await import('../lib/local/simulators/klaviyo-simulator.js');
const { ShipStationSimulator } = await import('../lib/local/simulators/shipstation-simulator.js');
const { buildShopHistory } = await import('../lib/local/simulators/shop-history.js');

/** What this part hands to bench/run.ts. */
export interface V2ImportResult {
  orders: number;
  history: { orders: number; shipments: number; fulfillments: number };
  /** Pages of 500 the import cannot do without: one walk over each V2 list. */
  minimumPages: { shipments: number; labels: number; fulfillments: number };
  pollStatus: string;
  pollInvocations: number;
  shipStation: { requests: number; listRequests: number; byPath: Record<string, number>; throttled: number; v1Requests: number; busiestMinute: number };
  /** Simulated time from the poll's start to its end: the service's waits only. */
  pollSimMs: number;
  /** Host time the poll's work took. */
  pollHostMs: number;
  /** Snapshots the poll put on the history queue (orders in a status that sends one, labels, fulfilments). */
  enqueued: number;
  hostMs: number;
}

const ORDERS = Number(process.env.BENCH_V2_IMPORT_ORDERS ?? 20_000);
const IMPORT_DAYS = 90;
const V2_RATE_LIMIT_PER_MINUTE = 200;
const PAGE_SIZE = 500;
const POLL_TIMEOUT_MS = 900_000;
const POLL_RESERVE_MS = 150_000;
const KEYS = { v2Key: 'bench-shipstation-v2-key', klaviyoKey: 'bench-klaviyo-private-key' };
const progress = (line: string): void => void process.stderr.write(`  import-v2: ${line}\n`);

const hostStart = performance.now();
const aws = await startLocalAws({ visibilityTimeoutSeconds: 120 });
const time = new SimulatedTime(Date.now());
let parked: Date | undefined;
const shop = await ShipStationSimulator.start({
  apiKey: 'bench-unused-v1-key',
  apiSecret: 'bench-unused-v1-secret',
  v2ApiKey: KEYS.v2Key,
  v2RateLimitPerMinute: V2_RATE_LIMIT_PER_MINUTE,
  now: () => parked ?? time.now(),
});
const klaviyo = await KlaviyoSimulator.start({ privateKeys: [KEYS.klaviyoKey] });
try {
  const history = buildShopHistory(
    shop,
    { set: (at) => void (parked = at) },
    { orders: ORDERS, days: IMPORT_DAYS - 15 / 1440, seed: 1, end: new Date(time.now().getTime() - 10 * 60_000) },
  );
  parked = undefined;
  progress(`history of ${ORDERS} orders built (${history.shipments.length} labels, ${history.fulfillments.length} fulfilments)`);

  Object.assign(process.env, aws.env, {
    SHIPSTATION_V2_API_KEY: KEYS.v2Key,
    SHIPSTATION_V2_BASE_URL: shop.baseUrl,
    KLAVIYO_PRIVATE_KEY: KEYS.klaviyoKey,
    KLAVIYO_BASE_URL: klaviyo.baseUrl,
    WEBHOOK_TOKEN: 'bench-webhook-token-0123456789',
    IMPORT_DAYS: String(IMPORT_DAYS),
    SHIPSTATION_V2_REQUESTS_PER_MINUTE: String(V2_RATE_LIMIT_PER_MINUTE),
  });
  const { loadConfig } = await import('../lib/config.js');
  const { buildWiring } = await import('../lib/wiring.js');
  const { pollAccount } = buildWiring(loadConfig(process.env), time);
  const pollSimStart = time.now().getTime();
  const pollHostStart = performance.now();
  const {
    status,
    invocations: pollInvocations,
    enqueued,
  } = await pollToTheEnd(time, pollAccount, { accountId: 'default', timeoutMs: POLL_TIMEOUT_MS, reserveMs: POLL_RESERVE_MS });
  const pollSimMs = time.now().getTime() - pollSimStart;
  const pollHostMs = performance.now() - pollHostStart;
  const pages = (rows: number): number => Math.max(1, Math.ceil(rows / PAGE_SIZE));
  const listPaths = new Set(['/v2/shipments', '/v2/labels', '/v2/fulfillments']);
  const result: V2ImportResult = {
    orders: ORDERS,
    history: { orders: history.orders.length, shipments: history.shipments.length, fulfillments: history.fulfillments.length },
    minimumPages: { shipments: pages(history.orders.length), labels: pages(history.shipments.length), fulfillments: pages(history.fulfillments.length) },
    pollStatus: status,
    pollInvocations,
    shipStation: {
      requests: shop.requests.length,
      listRequests: shop.requests.filter((r) => listPaths.has(r.path)).length,
      byPath: Object.fromEntries([...new Set(shop.requests.map((r) => r.path))].map((path) => [path, shop.requests.filter((r) => r.path === path).length])),
      throttled: shop.requests.filter((r) => r.status === 429).length,
      v1Requests: shop.requests.filter((r) => r.api !== 'v2').length,
      busiestMinute: busiestMinute(shop.requests),
    },
    pollSimMs,
    pollHostMs,
    enqueued,
    hostMs: performance.now() - hostStart,
  };
  writeFileSync(resultPath(), JSON.stringify(result));
  progress(`poll ${status}: ${result.shipStation.requests} V2 requests, ${enqueued} snapshots enqueued (${Math.round(pollHostMs)} ms host)`);
} finally {
  await Promise.all([shop.close(), klaviyo.close()]);
  await aws.close();
}
