// The local stack driven from outside, as an integrator's test harness would: `npm start` in its own process with its
// schedule, start-up key check and demo shop off, writing its endpoints to a file; the CLI in another process, pointed
// at it by LOCAL_STACK_FILE, runs the polls. The first poll imports the simulated shop's history, a second sends
// nothing again, and the endpoints file is gone when the stack stops.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
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

/** Waits until the stack printed no new event for 3 s (its queues drained). */
async function quiet(): Promise<number> {
  let count = -1;
  while (accepted().length !== count) {
    count = accepted().length;
    await sleep(3000);
  }
  return count;
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
    await sleep(2000);
    const before = accepted().length;

    // Act
    const first = await cli(['poll', '--account', 'default']);
    const afterFirst = await quiet();
    const second = await cli(['poll', '--account', 'default']);
    const afterSecond = await quiet();

    // Assess
    expect(before).toBe(0);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(first.text).toMatch(/import .* snapshots enqueued/);
    expect(afterFirst).toBeGreaterThan(10);
    expect(afterSecond).toBe(afterFirst);
    expect(accepted().every((line) => line.includes('(backfill)'))).toBe(true);
    // Each event once: no two printed lines alike (time, metric, order and customer).
    expect(new Set(accepted()).size).toBe(accepted().length);
  }, 120_000);

  it('removes its endpoints file when it stops', async () => {
    // Act
    const exited = new Promise((resolve) => stack.once('exit', resolve));
    stack.kill('SIGTERM');
    await exited;

    // Assess
    expect(existsSync(endpointsFile)).toBe(false);
  }, 30_000);
});
