// `npm start`: runs the live path locally and shows what Klaviyo accepted. With no credentials configured a small
// simulated shop takes orders and prints labels, so a newcomer sees events flow within seconds.
import { rmSync, writeFileSync } from 'node:fs';
import type { AcceptedEvent } from './simulators/klaviyo-simulator.js';
import type { ShipStationSimulator } from './simulators/shipstation-simulator.js';

// Set before the logger and the SDK load. The printed Klaviyo events tell the story; POWERTOOLS_LOG_LEVEL=INFO shows
// every handler's structured log too. The local run may be on Node 20, where the SDK warns about Lambda's Node 22 plan.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
// EMF metric lines are for CloudWatch; locally the printed alerts say what the key check found.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { maskEmail, maskPhone, maskSecrets } = await import('../observability.js');
const { startLocalStack } = await import('./stack.js');
const { startBanner } = await import('./start-banner.js');
const { FLOW_TAG } = await import('../domain/klaviyo-flows.js');
const { readStartOptions, START_USAGE } = await import('./start-options.js');

const read = readStartOptions(process.argv.slice(2), process.env);
if (!read.ok) {
  if ('help' in read) {
    process.stdout.write(`usage: ${START_USAGE}`);
    process.exit(0);
  }
  process.stderr.write(`${read.problem}\n\nusage: ${START_USAGE}`);
  process.exit(2);
}
const { port, schedule, keyCheck, demo, endpointsFile } = read.options;
// Read before the stack fills them in: real mode with neither makes up a webhook token the user cannot read back.
const tokenMadeUp = process.env.WEBHOOK_TOKEN === undefined && (process.env.ACCOUNTS_FILE ?? '').trim() === '';
/**
 * Terminal output for the person running `npm start` (logs go through the structured logger), masked like the logs:
 * every configured secret (the handlers register them as they load) and every email.
 */
const say = (line = ''): void => void process.stdout.write(`${maskEmail(maskSecrets(line))}\n`);

const describe = (event: AcceptedEvent): string => {
  const p = event.properties;
  const who =
    typeof event.profile.email === 'string'
      ? maskEmail(event.profile.email)
      : typeof event.profile.phone_number === 'string'
        ? maskPhone(event.profile.phone_number)
        : 'unknown';
  const tracking = typeof p.TrackingURL === 'string' ? `  ${p.TrackingURL}` : typeof p.TrackingNumber === 'string' ? `  tracking ${p.TrackingNumber}` : '';
  // The flows it would start in the simulated Klaviyo (drafts until the merchant turns them live).
  const flows = event.flows.length === 0 ? '' : `  → ${event.flows.map((flow) => `${flow.name.replace(` ${FLOW_TAG}`, '')} (${flow.status})`).join(', ')}`;
  return `${event.time ?? ''}  ${event.metric.padEnd(26)} order ${String(p.OrderNumber ?? p.OrderId ?? '?').padEnd(6)} ${who}${event.backfill ? '  (backfill)' : ''}${tracking}${flows}`;
};

/**
 * On the simulators, runs flows install now and again until no flow waits for its metric (Klaviyo makes a metric at
 * its first event, so the import and the demo shop bring them), printing each flow as it is created.
 */
function installFlowsInSimulatedKlaviyo(accountId: string): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let waitingShown = '';
  const round = async (): Promise<void> => {
    const { wiring } = await import('../wiring.js');
    const { FLOW_CATALOGUE } = await import('../domain/klaviyo-flows.js');
    const report = await (await wiring()).installFlows(accountId, { dryRun: false, specs: FLOW_CATALOGUE });
    for (const flow of report.flows) {
      if (flow.outcome === 'created') say(`flows    ✔ "${flow.plan.spec.title}" created as a draft in the simulated Klaviyo: ${flow.plan.spec.purpose}`);
      if (flow.outcome === 'failed') say(`flows    ✘ "${flow.plan.spec.title}": ${flow.reason}`);
    }
    const waiting = report.flows.filter((flow) => flow.outcome === 'waits-for-metrics').map((flow) => flow.plan.spec.title);
    if (waiting.length > 0 && waiting.join() !== waitingShown) say(`flows    … waiting for their metric's first event: ${waiting.join(', ')}`);
    waitingShown = waiting.join();
    if (report.stopped !== undefined) say(`flows    ✘ stopped: ${report.stopped}`);
    if (!stopped && (waiting.length > 0 || report.stopped !== undefined)) timer = setTimeout(() => void round().catch(failed), 20_000);
  };
  const failed = (error: unknown): void =>
    void process.stderr.write(`flows install failed: ${maskSecrets(error instanceof Error ? error.message : String(error))}\n`);
  timer = setTimeout(() => void round().catch(failed), 10_000);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The carrier's side, sped up: first scan, out for delivery, delivered (one in five hits an exception first). */
function trackPackage(shop: ShipStationSimulator, trackingNumber: string, n: number, timers: Set<NodeJS.Timeout>): void {
  const steps: [number, Parameters<ShipStationSimulator['track']>[1]][] = [
    [6, { statusCode: 'IT', description: 'Departed shipping partner facility', city: 'Oakland', state: 'CA' }],
    ...(n % 5 === 0
      ? [
          [
            12,
            {
              statusCode: 'EX',
              description: 'Address information incomplete',
              exceptionDescription: 'Address information incomplete',
              city: 'San Jose',
              state: 'CA',
            },
          ] as [number, Parameters<ShipStationSimulator['track']>[1]],
        ]
      : []),
    [18, { statusCode: 'IT', statusDetailCode: 'OUT_FOR_DELIVERY', description: 'Out for delivery', city: 'San Francisco', state: 'CA' }],
    [24, { statusCode: 'DE', description: 'Delivered, front door', city: 'San Francisco', state: 'CA' }],
  ];
  for (const [seconds, update] of steps) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      shop.track(trackingNumber, update);
      say(`carrier  ${update.statusCode}${update.statusDetailCode === 'OUT_FOR_DELIVERY' ? ' (out for delivery)' : ''} ${trackingNumber}`);
    }, seconds * 1000);
    timers.add(timer);
  }
}

/** A shop that is open for business: a new order every few seconds, a label for the oldest unshipped one. */
function runDemoShop(shop: ShipStationSimulator, tracking: boolean): () => void {
  const carriers = [
    { carrierCode: 'ups', serviceCode: 'ups_ground' },
    { carrierCode: 'stamps_com', serviceCode: 'usps_priority_mail' },
    { carrierCode: 'fedex', serviceCode: 'fedex_home_delivery' },
  ];
  const unshipped: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let tick = 0;
  const timer = setInterval(() => {
    tick += 1;
    if (tick % 2 === 1) {
      const order = shop.importOrder();
      unshipped.push(order.orderId);
      say(`shop     order ${order.orderNumber} placed (${order.items.length} item(s), $${order.orderTotal.toFixed(2)})`);
    } else {
      const orderId = unshipped.shift();
      if (orderId === undefined) return;
      const shipment = shop.createLabel(orderId, carriers[tick % carriers.length]);
      say(`shop     label printed for order ${shipment.orderNumber}: ${shipment.carrierCode} ${shipment.trackingNumber}`);
      if (tracking && shipment.trackingNumber !== null && shipment.trackingNumber !== undefined) trackPackage(shop, shipment.trackingNumber, tick / 2, timers);
    }
  }, 3000);
  return () => {
    clearInterval(timer);
    for (const t of timers) clearTimeout(t);
  };
}

/** Which ShipStation API the simulated shop's account runs on (SHIPSTATION_API: v1, the default; v2, a plan without V1; both). */
const api = (process.env.SHIPSTATION_API ?? 'v1').trim().toLowerCase();
if (api !== 'v1' && api !== 'v2' && api !== 'both') {
  process.stderr.write(`SHIPSTATION_API must be v1, v2 or both (the simulated account's ShipStation API), not "${api.slice(0, 20)}"\n`);
  process.exit(1);
}

const stack = await startLocalStack({
  port,
  api,
  ...(schedule ? {} : { pollIntervalSeconds: 0 }),
  keyCheckAtStart: keyCheck,
  // A shop with a past: the first scheduled poll imports it (events flagged backfill), then webhooks take over.
  shopHistory: { orders: 40, days: 14 },
  onEvent: (event) => say(`klaviyo  ✔ ${describe(event)}`),
  onAlert: (alert) => say(`alert    ✉ ${alert.subject ?? ''}\n${alert.message.replace(/^/gm, '           ')}`),
  onError: (error) => process.stderr.write(`local runtime error: ${maskEmail(maskSecrets(error instanceof Error ? error.message : String(error)))}\n`),
});

const simulators =
  stack.shipStation !== undefined && stack.klaviyo !== undefined ? { shipStation: stack.shipStation.baseUrl, klaviyo: stack.klaviyo.baseUrl } : undefined;
// For the CLI and test harnesses in other processes (LOCAL_STACK_FILE): the stand-ins' endpoints and, on the simulators,
// the simulated account's made-up keys. Readable by this user only; removed when the stack stops.
if (endpointsFile !== undefined) {
  const endpoints = { env: stack.env, webhookUrl: stack.webhookUrl, trackingUrl: stack.trackingUrl, ...(simulators === undefined ? {} : { simulators }) };
  writeFileSync(endpointsFile, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
}
for (const line of startBanner({
  ...stack,
  ...(simulators === undefined ? {} : { simulators }),
  api,
  schedule,
  demo,
  ...(endpointsFile === undefined ? {} : { endpointsFile }),
  tokenMadeUp: tokenMadeUp && stack.mode === 'real',
}))
  say(line);

const stopShop = stack.shipStation === undefined || !demo ? () => undefined : runDemoShop(stack.shipStation, true);
const stopFlows = stack.klaviyo === undefined ? () => undefined : installFlowsInSimulatedKlaviyo(process.env.ACCOUNT_ID ?? 'default');
const shutdown = async (): Promise<void> => {
  stopShop();
  stopFlows();
  await stack.close();
  if (endpointsFile !== undefined) rmSync(endpointsFile, { force: true });
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
