// `tsx bench/publish-backlog.ts <result.json>` (run by bench/run.ts): peak memory of one publish-events container working
// through a backlog of BENCH_BACKLOG_MESSAGES snapshots (default 10,000) on the updates queue.
// Two processes, so the figure is the function's own: this one (the host) runs DynamoDB, SQS and the Klaviyo simulator
// and fills the queue; the worker (bench/publish-backlog-worker.ts, bundled here with serverless.yml's esbuild settings
// and run in plain `node --enable-source-maps` like the Lambda runtime does) holds only the publish-events handler and a
// local event source mapping (consumeQueue: one batch of 10 at a time, like one Lambda container). It samples its own
// process.memoryUsage() every 10 ms and after every batch, and reads the kernel's peak RSS (process.resourceUsage()).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { resultPath } from './child.js';
import type { WorkerResult } from './publish-backlog-worker.js';

process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
/** What this part hands to bench/run.ts. */
export interface BacklogResult {
  messages: number;
  worker: WorkerResult;
  eventsAccepted: number;
  klaviyoRequests: number;
  klaviyoNotAccepted: number;
  deadLetters: number;
  left: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MESSAGES = Number(process.env.BENCH_BACKLOG_MESSAGES ?? 10_000);
const KLAVIYO_KEY = 'bench-klaviyo-private-key';
const progress = (line: string): void => void process.stderr.write(`  backlog: ${line}\n`);

const { startLocalAws } = await import('../lib/local/aws-stand-ins.js');
const { KlaviyoSimulator } = await import('../lib/local/simulators/klaviyo-simulator.js');
const { ShipStationSimulator } = await import('../lib/local/simulators/shipstation-simulator.js');
const { orderSchema } = await import('../lib/domain/shipstation.js');
const { orderSnapshot } = await import('../lib/normalise/snapshots.js');
const { SqsUpdateQueue } = await import('../lib/adapters/sqs-queues.js');

/** Bundles the worker as serverless-esbuild bundles a function (custom.esbuild in serverless.yml). */
async function bundleWorker(dir: string): Promise<string> {
  const outfile = join(dir, 'publish-backlog-worker.mjs');
  await build({
    entryPoints: [join(ROOT, 'bench', 'publish-backlog-worker.ts')],
    outfile,
    bundle: true,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    format: 'esm',
    target: 'node22',
    platform: 'node',
    external: ['@aws-sdk/*'],
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  // The SDK stays external, as the runtime provides it: beside node_modules it resolves from this repository's.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return outfile;
}

async function runWorker(script: string, env: NodeJS.ProcessEnv, out: string): Promise<WorkerResult> {
  const code = await new Promise<number | null>((resolve, reject) => {
    // --expose-gc only adds global.gc(), called once at the end to see what the container keeps.
    const child = spawn(process.execPath, ['--enable-source-maps', '--expose-gc', script, out], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`the publish-events worker exited with ${code}`);
  return JSON.parse(readFileSync(out, 'utf8')) as WorkerResult;
}

const work = mkdtempSync(join(tmpdir(), 'bench-backlog-'));
const aws = await startLocalAws({ visibilityTimeoutSeconds: 90 });
const klaviyo = await KlaviyoSimulator.start({ privateKeys: [KLAVIYO_KEY] });
// Create Event allows 3,500 requests a minute; lifted here so the figure is the container's memory, not a wait.
klaviyo.setRateLimits({ burstPerSecond: 350, steadyPerMinute: 1_000_000 }, 'create-event');
const shop = await ShipStationSimulator.start({ apiKey: 'bench-key', apiSecret: 'bench-secret' });
try {
  const script = await bundleWorker(work);
  // New orders as the shop's API returns them, normalised as fetch-resource does: one event each.
  const orders = shop.importOrders(Array.from({ length: MESSAGES }, () => ({})));
  const snapshots = orders.map((order) => orderSnapshot({ id: 'default', defaultCountry: 'US' }, orderSchema.parse(order)));
  const fillStart = performance.now();
  await new SqsUpdateQueue(aws.sqs, aws.queues.updates).enqueueAll(snapshots);
  progress(`${snapshots.length} snapshots on the updates queue in ${Math.round(performance.now() - fillStart)} ms`);
  const measured = await runWorker(
    script,
    {
      PATH: process.env.PATH ?? '',
      ...aws.env,
      POWERTOOLS_SERVICE_NAME: 'shipstation-klaviyo-sync',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      SHIPSTATION_API_KEY: 'bench-key',
      SHIPSTATION_API_SECRET: 'bench-secret',
      SHIPSTATION_KEY_EXPIRES_ON: '2099-01-01',
      SHIPSTATION_BASE_URL: shop.baseUrl,
      KLAVIYO_PRIVATE_KEY: KLAVIYO_KEY,
      KLAVIYO_BASE_URL: klaviyo.baseUrl,
      WEBHOOK_TOKEN: 'bench-webhook-token-0123456789',
    },
    join(work, 'result.json'),
  );
  const depth = async (queueUrl: string): Promise<number> => {
    const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
    const { Attributes } = await aws.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  };
  const result: BacklogResult = {
    messages: snapshots.length,
    worker: measured,
    eventsAccepted: klaviyo.events.length,
    klaviyoRequests: klaviyo.requests.length,
    klaviyoNotAccepted: klaviyo.requests.filter((r) => r.status !== 202).length,
    deadLetters: await depth(aws.queues.updatesDlq),
    left: await depth(aws.queues.updates),
  };
  writeFileSync(resultPath(), JSON.stringify(result));
  progress(
    `${result.eventsAccepted} events accepted; peak RSS ${(measured.maxRss / 2 ** 20).toFixed(0)} MiB, heap ${(measured.peak.heapUsed / 2 ** 20).toFixed(0)} MiB, ${Math.round(measured.ms)} ms`,
  );
} finally {
  await Promise.all([shop.close(), klaviyo.close()]);
  await aws.close();
  rmSync(work, { recursive: true, force: true });
}
