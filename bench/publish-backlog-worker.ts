// One publish-events "container" draining the updates queue and measuring its own memory. Bundled by
// bench/publish-backlog.ts with serverless.yml's esbuild settings (minified ESM, AWS SDK external) and run in plain
// `node`, so the process holds what the Lambda's would: the handler bundle, the SDK from node_modules, Node itself.
// Environment (endpoints, queue URLs, the account) comes from the host process; the result goes to argv[2] as JSON.
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { handler } from '../functions/publish-events.js';
import { consumeQueue } from '../lib/local/lambda-runtime.js';

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export interface WorkerResult {
  /** After the handler bundle was imported (its cold start), before the first batch. */
  baseline: MemoryFigures;
  /** The largest value of each figure over every sample. */
  peak: MemoryFigures;
  /** The kernel's peak resident set of the process over its whole life (bytes). */
  maxRss: number;
  /** Heap still in use after the backlog and a full garbage collection: what the container keeps. */
  heapAfterGc: number;
  samples: number;
  invocations: number;
  records: number;
  ms: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const out = process.argv[2];
const queueUrl = process.env.UPDATES_QUEUE_URL;
if (out === undefined || queueUrl === undefined) throw new Error('usage: node publish-backlog-worker.mjs <result.json> (UPDATES_QUEUE_URL set)');

// The event source mapping's own client: in Lambda, receiving and deleting happen outside the function's process.
const sqs = new SQSClient({ endpoint: process.env.AWS_ENDPOINT_URL_SQS });
const depth = async (): Promise<number> => {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
};
const figures = (): MemoryFigures => {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
};

const baseline = figures();
const peak = { ...baseline };
let samples = 0;
const sample = (): void => {
  const now = figures();
  samples += 1;
  for (const key of Object.keys(peak) as (keyof MemoryFigures)[]) peak[key] = Math.max(peak[key], now[key]);
};
const sampler = setInterval(sample, 10);
const consumer = consumeQueue({ sqs, queueUrl, functionName: 'publish-events', handler, batchSize: 10, timeoutMs: 90_000 });
const started = performance.now();
let invocations = 0;
let records = 0;
for (;;) {
  const handled = await consumer.pollOnce();
  sample();
  if (handled > 0) {
    invocations += 1;
    records += handled;
    continue;
  }
  if ((await depth()) === 0) break;
  await sleep(100);
}
const ms = performance.now() - started;
clearInterval(sampler);
sample();
(globalThis as { gc?: () => void }).gc?.();
const result: WorkerResult = {
  baseline,
  peak,
  maxRss: process.resourceUsage().maxRSS * 1024,
  heapAfterGc: process.memoryUsage().heapUsed,
  samples,
  invocations,
  records,
  ms,
};
writeFileSync(out, JSON.stringify(result));
sqs.destroy();
process.exit(0);
