// `shipstation-klaviyo status` in-process against the local DynamoDB/SQS stand-ins, configured by an accounts document
// like a deployed stage whose ShipStation and Klaviyo base URLs point at a local server that records every request:
// status reads our own AWS state only, so that server hears nothing (a doctor run at the end proves it would hear).
// Nothing wrong: exit 0 and idle; events marked sent in the last hour counted per metric (one sent two hours ago not);
// a message stuck in a DLQ (peeked at, never hidden), a paused key, a dead-letter record and a stopped poll: each
// reported with what to do, exit 1; --account, an unknown account, --json and --watch.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDbCredentialStatusStore } from '../../lib/adapters/dynamodb-credential-status-store.js';
import { DynamoDbEventLedger } from '../../lib/adapters/dynamodb-event-ledger.js';
import { DynamoDbPollCursorStore } from '../../lib/adapters/dynamodb-poll-cursor-store.js';
import type { CommandIo } from '../../lib/cli/command.js';
import { statusCommand } from '../../lib/cli/commands/status.js';
import { main } from '../../lib/cli/main.js';
import { fingerprint } from '../../lib/config.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import type { StatusReport } from '../../lib/use-cases/report-status.js';
import { wiring } from '../../lib/wiring.js';

const ACCOUNTS = ['shop', 'paused'] as const;
const klaviyoKey = (id: string): string => `${id}-klaviyo-key-0123456789abcdef`;
const HOUR = 3_600_000;

let aws: LocalAws;
let dir: string;
/** Stands in for ShipStation and Klaviyo: answers 401 to everything and keeps what it was asked. */
let recorder: Server;
const requests: string[] = [];

/** Runs the CLI and returns its exit code with everything it wrote (stdout and stderr together). */
async function cli(...argv: string[]): Promise<{ code: number; output: string; lines: string[] }> {
  const written: string[] = [];
  const code = await main(argv, { write: (text) => written.push(text) });
  const output = written.join('');
  return { code, output, lines: output.split('\n') };
}

/** `status --json [args]`: the exit code and the report. */
async function statusJson(...args: string[]): Promise<{ code: number; report: StatusReport }> {
  const { code, output } = await cli('status', '--json', ...args);
  return { code, report: JSON.parse(output) as StatusReport };
}

const ledger = (): DynamoDbEventLedger => new DynamoDbEventLedger(aws.dynamodb, aws.tableName);

/** Claims and marks an event sent at `at`, as publish-events does. */
async function markSent(accountId: string, uniqueId: string, metric: string, at: Date): Promise<void> {
  const claim = await ledger().claim(accountId, uniqueId, at);
  if (claim.status !== 'claimed') throw new Error(`expected a claim of ${uniqueId}`);
  await ledger().markSent(accountId, uniqueId, claim.claimId, metric, at);
}

beforeAll(async () => {
  aws = await startLocalAws({ visibilityTimeoutSeconds: 30 });
  recorder = createServer((request, response) => {
    requests.push(`${request.method ?? '?'} ${request.url ?? ''}`);
    response.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"detail":"recorded"}]}');
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'cli-status-test-'));
  const accountsFile = join(dir, 'accounts.json');
  writeFileSync(
    accountsFile,
    JSON.stringify({
      accounts: ACCOUNTS.map((id) => ({
        id,
        shipStation: { apiKey: `${id}-key-0123456789`, apiSecret: `${id}-secret-0123456789`, keyExpiresOn: '2027-11-01', baseUrl },
        klaviyo: { privateKey: klaviyoKey(id), baseUrl },
        webhookToken: `${id}-webhook-token-0123456789`,
      })),
    }),
  );
  // Read by wiring() on its first call, which is the first cli() below: the CLI is configured like a deployed stage.
  Object.assign(process.env, aws.env, { ACCOUNTS_FILE: accountsFile, HTTP_TIMEOUT_MS: '2000' });
});

afterAll(async () => {
  await new Promise((resolve) => recorder.close(resolve));
  await aws.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('shipstation-klaviyo status', () => {
  it('exits 0 and reports idle when nothing waits and nothing is wrong', async () => {
    // Act
    const human = await cli('status');
    const { code, report } = await statusJson();

    // Assess
    expect(human.code).toBe(0);
    expect(human.lines[0]).toMatch(/^status at \S+Z: OK, idle$/);
    expect(human.output).toContain('\naccount shop\n');
    expect(human.output).toContain('\naccount paused\n');
    expect(code).toBe(0);
    expect(report).toMatchObject({ idle: true, stuck: false, problems: [], pollsScheduled: true });
    expect(report.queues.map((q) => [q.queue, q.visible, q.inFlight, q.delayed, q.deadLetters])).toEqual([
      ['notifications', 0, 0, 0, 0],
      ['updates', 0, 0, 0, 0],
      ['history', 0, 0, 0, 0],
      ['polls', 0, 0, 0, 0],
    ]);
    expect(report.accounts.map((a) => a.accountId)).toEqual(['shop', 'paused']);
    expect(report.accounts[0]).toMatchObject({ heldEvents: 0, deadLetters: { count: 0, sample: [] }, sentLastHour: {}, problems: [] });
    expect(report.accounts[0]?.keys).toEqual([{ service: 'shipstation' }, { service: 'klaviyo' }]);
    expect(requests).toEqual([]);
  });

  it('counts the events marked sent in the last hour per metric, and not one sent two hours ago', async () => {
    // Prepare
    const now = Date.now();
    await markSent('shop', 'sent-1', 'Order Shipped', new Date(now - 50 * 60_000));
    await markSent('shop', 'sent-2', 'Order Shipped', new Date(now - 60_000));
    await markSent('shop', 'sent-3', 'Order Awaiting Shipment', new Date(now - 5 * 60_000));
    await markSent('shop', 'sent-old', 'Order Shipped', new Date(now - 2 * HOUR));
    await markSent('paused', 'sent-other', 'Order Cancelled', new Date(now - 60_000));

    // Act
    const { code, report } = await statusJson();
    const human = await cli('status', '--account', 'shop');

    // Assess
    expect(code).toBe(0);
    expect(report.accounts.map((a) => [a.accountId, a.sentLastHour])).toEqual([
      ['shop', { 'Order Shipped': 2, 'Order Awaiting Shipment': 1 }],
      ['paused', { 'Order Cancelled': 1 }],
    ]);
    expect(human.lines).toContain('  sent, last hour   Order Shipped 2 · Order Awaiting Shipment 1');
    expect(requests).toEqual([]);
  });

  it('reports a message stuck in a DLQ, a paused key, a dead-letter record and a stopped poll, each with its fix, and exits 1', async () => {
    // Prepare: a snapshot publish-events gave up on; the paused account's Klaviyo key refused; a refused event; a poll
    // that last completed three hours ago
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: aws.queues.updatesDlq,
        MessageBody: JSON.stringify({ kind: 'order', accountId: 'shop', orderId: 1 }),
        MessageAttributes: { accountId: { DataType: 'String', StringValue: 'shop' } },
      }),
    );
    await new DynamoDbCredentialStatusStore(aws.dynamodb, aws.tableName).markInvalid(
      'paused',
      'klaviyo',
      fingerprint(klaviyoKey('paused')),
      '401 the key is wrong, ask ada@example.com',
    );
    await ledger().deadLetter({
      accountId: 'shop',
      uniqueId: 'refused-1',
      metric: 'Order Shipped',
      orderId: 4711,
      reason: 'phone_number +14155550123 is not a valid phone number',
      status: 400,
      body: { data: { type: 'event' } },
      at: new Date().toISOString(),
    });
    const cursors = new DynamoDbPollCursorStore(aws.dynamodb, aws.tableName);
    const threeHoursAgo = new Date(Date.now() - 3 * HOUR).toISOString();
    await cursors.acquire('shop', 'test', new Date(Date.now() + 60_000), new Date());
    await cursors.save({ accountId: 'shop', through: threeHoursAgo, lastCompletedAt: threeHoursAgo }, 'test');
    await cursors.release('shop', 'test');

    // Act
    const { code, report } = await statusJson();
    const human = await cli('status');

    // Assess
    expect(code).toBe(1);
    expect(report).toMatchObject({ idle: true, stuck: true });
    expect(report.problems).toEqual([
      expect.stringMatching(
        /^updates DLQ holds 1 message, the oldest sent \d+ s ago: find why with `shipstation-klaviyo doctor` and the publish-events logs, fix the cause, then run `shipstation-klaviyo replay queues --queue updates`$/,
      ),
      expect.stringMatching(/^account shop: 1 dead-letter record .*run `shipstation-klaviyo replay records --account shop`$/),
      expect.stringMatching(
        /^account shop: the last poll completed 3 h ago \(over 90 min\), so polls have stopped: `shipstation-klaviyo doctor --account shop` says why; `shipstation-klaviyo poll --account shop` polls now$/,
      ),
      expect.stringMatching(
        /^account paused: the Klaviyo key is paused, refused since \S+ \(401 the key is wrong, ask a\*\*\*@e\*\*\*\.com\): replace it \(`shipstation-klaviyo doctor --account paused` says how\)/,
      ),
    ]);
    const updates = report.queues.find((q) => q.queue === 'updates');
    expect(updates).toMatchObject({ deadLetters: 1, oldestDeadLetter: { allSeen: true } });
    expect(updates?.oldestDeadLetter?.ageSeconds).toBeLessThan(60);
    const [shop, paused] = report.accounts;
    expect(shop?.deadLetters).toEqual({
      count: 1,
      sample: [{ metric: 'Order Shipped', orderId: 4711, reason: 'phone_number +*********23 is not a valid phone number', at: expect.any(String) as string }],
    });
    expect(shop?.poll).toEqual({ lastCompletedAt: threeHoursAgo, through: threeHoursAgo, stale: true });
    expect(paused?.keys).toEqual([
      { service: 'shipstation' },
      { service: 'klaviyo', pause: { state: 'paused', since: expect.any(String) as string, reason: expect.any(String) as string } },
    ]);
    expect(human.code).toBe(1);
    expect(human.lines[0]).toMatch(/: STUCK \(4 problems\), idle$/);
    expect(human.lines).toContainEqual(expect.stringMatching(/^ {2}updates +0 +0 +0 +0 +1 {2}oldest sent \d+ s ago$/));
    expect(human.lines).toContain(
      '      Order Shipped of order 4711 (' +
        (shop?.deadLetters.sample[0]?.at.replace(/\.\d+Z$/, 'Z') ?? '') +
        '): phone_number +*********23 is not a valid phone number',
    );
    expect(human.output).not.toMatch(/ada@example\.com|4155550123/);
    // The peek hid nothing: the message is still visible for `replay queues`.
    const { Attributes } = await aws.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: aws.queues.updatesDlq,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Attributes).toMatchObject({ ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '0' });
    expect(requests).toEqual([]);
  });

  it('reports only the account asked for with --account, beside the shared queues', async () => {
    // Act
    const { code, report } = await statusJson('--account', 'paused');

    // Assess
    expect(code).toBe(1);
    expect(report.accounts.map((a) => a.accountId)).toEqual(['paused']);
    expect(report.problems).toEqual([
      expect.stringMatching(/^updates DLQ holds 1 message, /),
      expect.stringMatching(/^account paused: the Klaviyo key is paused/),
    ]);
    expect(requests).toEqual([]);
  });

  it('refuses an unknown account with the usage, exit 2', async () => {
    // Act
    const { code, lines, output } = await cli('status', '--account', 'nosuch');

    // Assess
    expect(code).toBe(2);
    expect(lines[0]).toBe('error: unknown account "nosuch" (configured: shop, paused)');
    expect(output).toContain('status [--account <id>] [--watch] [--json]');
  });

  it('with --watch prints a report per round, a blank line between them, and exits with the last one’s code', async () => {
    // Prepare
    const written: string[] = [];
    const io: CommandIo = { write: (text) => written.push(text), writeError: (text) => written.push(text) };
    const context = { w: await wiring(), io, clock: { now: () => new Date(), sleep: async () => undefined } };

    // Act
    const code = await statusCommand.run({ watch: true, json: true, local: false, account: 'shop', rounds: 2, intervalMs: 10 }, context);

    // Assess
    expect(code).toBe(1);
    expect(written).toHaveLength(2);
    expect(written[1]?.startsWith('\n{')).toBe(true);
    const reports = written.map((text) => JSON.parse(text) as StatusReport);
    expect(reports.map((r) => [r.stuck, r.accounts.map((a) => a.accountId)])).toEqual([
      [true, ['shop']],
      [true, ['shop']],
    ]);
    expect(requests).toEqual([]);
  });

  it('with --watch on a terminal redraws the screen, and stops on Ctrl+C', async () => {
    // Prepare: Ctrl+C as the second report is written
    const written: string[] = [];
    const before = new Set(process.listeners('SIGINT'));
    const io: CommandIo = {
      write: (text) => {
        written.push(text);
        if (written.length === 2) for (const listener of process.listeners('SIGINT').filter((l) => !before.has(l))) listener('SIGINT');
      },
      writeError: (text) => written.push(text),
      isTty: true,
    };
    const context = { w: await wiring(), io, clock: { now: () => new Date(), sleep: async () => undefined } };

    // Act
    const code = await statusCommand.run({ watch: true, json: false, local: false, account: 'paused', intervalMs: 10 }, context);

    // Assess
    expect(code).toBe(1);
    expect(written).toHaveLength(2);
    expect(written.every((text) => text.startsWith('\u001b[2J\u001b[H') && text.includes('STUCK'))).toBe(true);
    expect(process.listeners('SIGINT').filter((l) => !before.has(l))).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('has its ShipStation and Klaviyo pointed at the recorder, which hears doctor: its silence above means something', async () => {
    // Act
    const { code } = await cli('doctor', '--account', 'shop');

    // Assess
    expect(code).toBe(1);
    expect(requests).toEqual(expect.arrayContaining([expect.stringMatching(/^GET \/stores/), expect.stringMatching(/^POST \/api\/events/)]));
  });
});
