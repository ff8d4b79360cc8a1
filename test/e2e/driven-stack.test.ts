// The local stack driven from outside, as an integrator's test harness would: `npm start` in its own process with its
// schedule, start-up key check and demo shop off, writing its endpoints to a file; the CLI in another process, pointed
// at it by LOCAL_STACK_FILE, runs the polls and, after each, `status --json` until the stack is idle. The first poll
// imports the simulated shop's history (status counts what was sent in the last hour), a second sends nothing again,
// nothing is stuck, and the endpoints file is gone when the stack stops.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const endpointsFile = join(mkdtempSync(join(tmpdir(), 'driven-stack-')), 'stack.json');

let stack: ChildProcess;
let output = '';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The Klaviyo events the stack printed (masked lines: time, metric, order, customer). */
const accepted = (): string[] => output.split('\n').filter((line) => line.startsWith('klaviyo  ✔'));

/** Waits until `ready()` holds, up to `ms`. */
async function until(ready: () => boolean, what: string, ms = 60_000): Promise<void> {
  for (const start = Date.now(); !ready(); await sleep(200)) if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
}

/** Runs the CLI in a process of its own against the running stack; resolves with its exit code and output. */
function cli(args: string[]): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'shipstation-klaviyo.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, LOCAL_STACK_FILE: endpointsFile, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => void (text += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => void (text += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, text }));
  });
}

/** What `status --json` reports (the fields this test reads). */
interface Status {
  idle: boolean;
  stuck: boolean;
  problems: string[];
  accounts: { accountId: string; sentLastHour: Record<string, number> }[];
}

/** `status --json` from another process: its exit code and report. */
async function status(): Promise<{ code: number | null; report: Status }> {
  const { code, text } = await cli(['status', '--json']);
  return { code, report: JSON.parse(text) as Status };
}

/**
 * Polls `status --json` until two reports in a row say idle (no work queue holds a message: everything enqueued was
 * handled), as a harness waits for the stack; returns the last report.
 */
async function idle(ms = 90_000): Promise<{ code: number | null; report: Status }> {
  let idleInARow = 0;
  for (const start = Date.now(); ; await sleep(500)) {
    const reported = await status();
    idleInARow = reported.report.idle ? idleInARow + 1 : 0;
    if (idleInARow === 2) return reported;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for the stack to be idle: ${JSON.stringify(reported.report)}`);
  }
}

const sentLastHour = (report: Status): number =>
  Object.values(report.accounts.find((a) => a.accountId === 'default')?.sentLastHour ?? {}).reduce((sum, n) => sum + n, 0);

beforeAll(async () => {
  stack = spawn(
    TSX,
    [join(ROOT, 'lib', 'local', 'start.ts'), '--no-schedule', '--no-key-check', '--no-demo', '--port', '0', '--endpoints-file', endpointsFile],
    {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', POLL_LAG_MINUTES: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  stack.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  stack.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  await until(() => existsSync(endpointsFile) && output.includes('Press Ctrl+C to stop.'), 'the stack to start');
}, 90_000);

afterAll(async () => {
  if (stack.exitCode === null) {
    const exited = new Promise((resolve) => stack.once('exit', resolve));
    stack.kill('SIGTERM');
    await exited;
  }
});

describe('the local stack driven from another process', () => {
  it('imports the history once through the CLI poll, and a second poll sends nothing again', async () => {
    // Prepare: nothing has polled yet (no schedule, no demo orders)
    const start = await idle();
    const before = accepted().length;

    // Act
    const first = await cli(['poll', '--account', 'default']);
    const afterFirst = await idle();
    const acceptedFirst = accepted().length;
    const second = await cli(['poll', '--account', 'default']);
    const afterSecond = await idle();
    const acceptedSecond = accepted().length;

    // Assess
    expect(before).toBe(0);
    expect((JSON.parse(readFileSync(endpointsFile, 'utf8')) as { env: Record<string, string> }).env.POLLS_SCHEDULED).toBe('false');
    expect(sentLastHour(start.report)).toBe(0);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(first.text).toMatch(/import .* snapshots enqueued/);
    expect(acceptedFirst).toBeGreaterThan(10);
    expect(acceptedSecond).toBe(acceptedFirst);
    // What status counts as sent in the last hour is what Klaviyo accepted, once each.
    expect(sentLastHour(afterFirst.report)).toBe(acceptedFirst);
    expect(sentLastHour(afterSecond.report)).toBe(acceptedFirst);
    // Nothing stuck (no schedule here, so the last poll's age is no problem either): exit 0.
    expect([start.code, afterFirst.code, afterSecond.code]).toEqual([0, 0, 0]);
    expect(afterSecond.report).toMatchObject({ stuck: false, problems: [] });
    expect(accepted().every((line) => line.includes('(backfill)'))).toBe(true);
    // Each event once: no two printed lines alike (time, metric, order and customer).
    expect(new Set(accepted()).size).toBe(accepted().length);
  }, 180_000);

  it('removes its endpoints file when it stops', async () => {
    // Act
    const exited = new Promise((resolve) => stack.once('exit', resolve));
    stack.kill('SIGTERM');
    await exited;

    // Assess
    expect(existsSync(endpointsFile)).toBe(false);
  }, 30_000);
});
