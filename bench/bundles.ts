// `tsx bench/bundles.ts <result.json>` (run by bench/run.ts): what each Lambda ships and how long its bundle takes to
// load. Packages a copy of the service with `serverless package --stage prod` in a temporary directory (the repository's
// .serverless and .esbuild are left alone), reads every zip's entries, then imports each bundle in fresh `node` processes.
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { resultPath } from './child.js';
import { readZip } from './zip.js';

/** One function's package and import figures. */
export interface BundleFigures {
  name: string;
  memoryMb: number;
  zipBytes: number;
  /** The minified .mjs, uncompressed. */
  bundleBytes: number;
  bundleDeflatedBytes: number;
  mapBytes: number;
  /** AWS SDK packages the bundle imports from the runtime at load (dynamic imports on first use are not counted). */
  sdkImports: string[];
  /** Variables the template gives the function. */
  environmentVariables: number;
  /** Median, min and max of the import() of the bundle, in a fresh process each time. */
  importMs: number;
  minMs: number;
  maxMs: number;
  /** Median time from the process's start (performance.timeOrigin) to the end of the import. */
  sinceStartMs: number;
  rss: number;
  heapUsed: number;
  /** Median import() of the same SDK packages alone. */
  sdkOnlyMs?: number;
}

/** What this part hands to bench/run.ts. */
export interface BundlesResult {
  packageMs: number;
  runs: number;
  nodeVersion: string;
  functions: BundleFigures[];
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? 11);
const progress = (line: string): void => void process.stderr.write(`  bundles: ${line}\n`);

/**
 * The values a deployed function's environment may hold at cold start (one account from variables); each function gets
 * the subset its template names (functionEnv). The endpoints are loopback ports nothing listens on: `await wiring()` at module scope parses the
 * configuration and builds the SDK clients, and makes no request (an attempted one would fail the import).
 */
const LAMBDA_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:9',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_SERVICE_NAME: 'shipstation-klaviyo-sync-prod',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  TABLE_NAME: 'shipstation-klaviyo-sync-prod',
  NOTIFICATIONS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/notifications',
  UPDATES_QUEUE_URL: 'http://127.0.0.1:9/000000000000/updates',
  HISTORY_QUEUE_URL: 'http://127.0.0.1:9/000000000000/history',
  POLLS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/polls',
  ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:alerts',
  ACCOUNTS_CACHE_SECONDS: '60',
  POLL_OVERLAP_MINUTES: '10',
  POLL_LAG_MINUTES: '2',
  IMPORT_DAYS: '90',
  SHIPSTATION_REQUESTS_PER_MINUTE: '40',
  SHIPSTATION_API_KEY: 'bench-shipstation-key',
  SHIPSTATION_API_SECRET: 'bench-shipstation-secret',
  SHIPSTATION_KEY_EXPIRES_ON: '2099-01-01',
  KLAVIYO_PRIVATE_KEY: 'bench-klaviyo-private-key',
  WEBHOOK_TOKEN: 'bench-webhook-token-0123456789',
  BACKFILL_AFTER_HOURS: '24',
  HTTP_TIMEOUT_MS: '10000',
};

/**
 * What one function's container holds: the runtime's AWS_* variables, and exactly the variables the packaged template
 * gives that function (serverless.yml's per-function environment), valued as in LAMBDA_ENV ('' = unset).
 */
const functionEnv = (variables: string[]): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(LAMBDA_ENV).filter(([name]) => name.startsWith('AWS_'))),
  ...Object.fromEntries(variables.map((name) => [name, LAMBDA_ENV[name] ?? ''])),
});

/** Imports a module in a fresh node process; times are read inside the child with performance.now(). */
const TIMED_IMPORT = `
const started = performance.now();
for (const target of JSON.parse(process.env.BENCH_IMPORT_TARGETS)) await import(target);
const imported = performance.now();
const m = process.memoryUsage();
process.stderr.write('\\nBENCH_RESULT ' + JSON.stringify({ importMs: imported - started, sinceStartMs: imported, rss: m.rss, heapUsed: m.heapUsed }) + '\\n');
process.exit(0);
`;

interface Timing {
  importMs: number;
  sinceStartMs: number;
  rss: number;
  heapUsed: number;
}

async function timedImport(targets: string[], cwd: string, env: Record<string, string>): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', TIMED_IMPORT], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env, BENCH_IMPORT_TARGETS: JSON.stringify(targets) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = stderr.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || line === undefined) reject(new Error(`importing ${targets.join(', ')} failed (${code}): ${stderr.slice(-2000)}`));
      else resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as Timing);
    });
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

type Figures = { importMs: number; minMs: number; maxMs: number; sinceStartMs: number; rss: number; heapUsed: number };

const summary = (runs: Timing[]): Figures => {
  const imports = runs.map((r) => r.importMs);
  return {
    importMs: median(imports),
    minMs: Math.min(...imports),
    maxMs: Math.max(...imports),
    sinceStartMs: median(runs.map((r) => r.sinceStartMs)),
    rss: median(runs.map((r) => r.rss)),
    heapUsed: median(runs.map((r) => r.heapUsed)),
  };
};

/**
 * The bundle's import and its SDK clients' import alone, one warm-up each (fills the OS file cache), then RUNS of each
 * taken in turn, so a busy moment of the machine weighs on both alike (their ratio is a target).
 */
async function measure(bundle: string[], env: Record<string, string>, sdk: string[], cwd: string): Promise<{ bundle: Figures; sdk?: Figures }> {
  await timedImport(bundle, cwd, env);
  if (sdk.length > 0) await timedImport(sdk, cwd, LAMBDA_ENV);
  const bundleRuns: Timing[] = [];
  const sdkRuns: Timing[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    bundleRuns.push(await timedImport(bundle, cwd, env));
    if (sdk.length > 0) sdkRuns.push(await timedImport(sdk, cwd, LAMBDA_ENV));
  }
  return { bundle: summary(bundleRuns), ...(sdk.length > 0 ? { sdk: summary(sdkRuns) } : {}) };
}

const work = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
try {
  // Packaged from a copy of the service: `serverless package` deletes the service's .serverless directory and
  // serverless-esbuild builds in its .esbuild one, which others may be using at the same time.
  const service = join(work, 'service');
  for (const entry of ['serverless.yml', 'package.json', 'tsconfig.json', 'functions', 'lib', 'infra']) {
    cpSync(join(ROOT, entry), join(service, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(service, 'node_modules'), 'dir');
  const packageDir = join(work, 'package');
  const packageStart = performance.now();
  await promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'serverless'), ['package', '--stage', 'prod', '--package', packageDir], {
    cwd: service,
    // A clean environment: no account variables of the calling shell end up in the template.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work },
    maxBuffer: 16 * 1024 * 1024,
  });
  const packageMs = performance.now() - packageStart;
  progress(`packaged in ${Math.round(packageMs)} ms`);

  // The bundles import the AWS SDK from the runtime: beside node_modules they resolve it from this repository's.
  const bundles = join(work, 'bundles');
  mkdirSync(bundles);
  symlinkSync(join(ROOT, 'node_modules'), join(bundles, 'node_modules'), 'dir');
  const template = JSON.parse(readFileSync(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8')) as {
    Resources: Record<
      string,
      { Type: string; Properties: { Handler?: string; Code?: { S3Key?: string }; MemorySize?: number; Environment?: { Variables?: Record<string, unknown> } } }
    >;
  };
  const functions: BundleFigures[] = [];
  for (const resource of Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
    const zipName = (resource.Properties.Code?.S3Key ?? '').split('/').pop() ?? '';
    const name = zipName.replace(/\.zip$/, '');
    const handlerFile = `${(resource.Properties.Handler ?? '').replace(/\.[^.]+$/, '')}.mjs`;
    const zipPath = join(packageDir, zipName);
    const entries = readZip(zipPath);
    const bundle = entries.find((e) => e.name === handlerFile);
    if (bundle === undefined) throw new Error(`${zipName} holds no ${handlerFile}`);
    const map = entries.find((e) => e.name === `${handlerFile}.map`);
    for (const entry of entries) {
      const target = join(bundles, name, entry.name);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, entry.read());
    }
    const code = bundle.read().toString('utf8');
    const sdkImports = [...new Set((code.match(/from\s*"(@aws-sdk\/[\w-]+)"/g) ?? []).map((m) => m.replace(/^from\s*"|"$/g, '')))].sort();
    const bundlePath = join(bundles, name, handlerFile);
    const variables = Object.keys(resource.Properties.Environment?.Variables ?? {});
    // The same SDK packages alone, from the same place: the part of the import the runtime's SDK accounts for.
    const { bundle: imported, sdk: sdkOnly } = await measure([pathToFileURL(bundlePath).href], functionEnv(variables), sdkImports, bundles);
    functions.push({
      name,
      memoryMb: resource.Properties.MemorySize ?? 1024,
      zipBytes: statSync(zipPath).size,
      bundleBytes: bundle.size,
      bundleDeflatedBytes: bundle.compressedSize,
      mapBytes: map?.size ?? 0,
      sdkImports,
      environmentVariables: variables.length,
      ...imported,
      sdkOnlyMs: sdkOnly?.importMs,
    });
    progress(
      `${name}: ${(bundle.size / 1024).toFixed(1)} KiB, import ${imported.importMs.toFixed(0)} ms (SDK alone ${sdkOnly?.importMs.toFixed(0) ?? '-'} ms)`,
    );
  }
  functions.sort((a, b) => a.name.localeCompare(b.name));
  const result: BundlesResult = { packageMs, runs: RUNS, nodeVersion: process.version, functions };
  writeFileSync(resultPath(), JSON.stringify(result));
} finally {
  rmSync(work, { recursive: true, force: true });
}
