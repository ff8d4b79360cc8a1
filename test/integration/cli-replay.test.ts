// `shipstation-klaviyo replay` in-process against the local DynamoDB/SQS stand-ins, the Klaviyo simulator and the real
// publish-events handler, configured by an accounts document like a deployed stage: DLQ messages moved back and sent
// once (a replayed duplicate sends nothing), a dry run that moves nothing, dead-letter records re-sent once the cause is
// fixed (one still refused is kept with the new reason), nothing sent while a key is paused, and bad arguments.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { main } from '../../lib/cli/main.js';
import type { OrderSnapshot } from '../../lib/domain/snapshot.js';
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';
import { orderSnapshot } from '../helpers/factories.js';
import { context, deadLetters, eventually, ledgerStatus, queueDepth, runUntilIdle, sqsEvent } from '../helpers/handler-env.js';

const ACCOUNTS = ['shop', 'paused'] as const;
const klaviyoKey = (id: string): string => `${id}-klaviyo-key-0123456789abcdef`;
/** A phone Klaviyo refuses (not E.164): the cause that is not fixed. */
const BAD_PHONE = '4155550132';
/** The reason the Klaviyo adapter records for the simulator's scripted 400. */
const FIRST_REASON = 'error: Simulated HTTP 400.: /data/';

let aws: LocalAws;
let klaviyo: KlaviyoSimulator;
let dir: string;
let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let nextOrderId = 70_000;

/** Runs the CLI and returns its exit code with everything it wrote (stdout and stderr together). */
async function cli(...argv: string[]): Promise<{ code: number; output: string; lines: string[] }> {
  const written: string[] = [];
  const code = await main(argv, { write: (text) => written.push(text) });
  const output = written.join('');
  return { code, output, lines: output.split('\n') };
}

/** A new order of the account, awaiting shipment, changed a minute ago. */
function newOrder(accountId: string, customer: OrderSnapshot['customer'] = {}): OrderSnapshot {
  nextOrderId += 1;
  return orderSnapshot({
    accountId,
    orderId: nextOrderId,
    orderNumber: `R-${nextOrderId}`,
    modifiedAt: new Date(Date.now() - 60_000).toISOString(),
    customer: { email: `buyer${nextOrderId}@example.com`, firstName: 'Ada', ...customer },
  });
}

/** The unique_id of an order's Order Awaiting Shipment, as publish-events derives it. */
const statusId = (order: OrderSnapshot): string =>
  `ss:${order.accountId}:order:${order.orderId}:awaiting_shipment:${order.modifiedAt.replace(/\.\d+/, '').replace(/[-:]/g, '')}`;

/** Create Event requests Klaviyo accepted (202) for a unique_id: what "sent" means to the customer. */
const acceptedSends = (uniqueId: string): number =>
  klaviyo.requests.filter(
    (r) =>
      r.path === '/api/events' && r.status === 202 && (r.body as { data?: { attributes?: { unique_id?: string } } }).data?.attributes?.unique_id === uniqueId,
  ).length;

/** Puts a message in a dead-letter queue, as SQS does after the last failed receive. */
async function park(queueUrl: string, body: unknown, accountId = 'shop'): Promise<void> {
  await aws.sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(body),
      MessageAttributes: { accountId: { DataType: 'String', StringValue: accountId } },
    }),
  );
}

/** The messages and attributes publish-events was handed, while it runs until the updates queue is idle. */
async function publishUpdates(): Promise<{ accountId?: string; body: string }[]> {
  const handed: { accountId?: string; body: string }[] = [];
  await runUntilIdle(aws, [
    {
      queueUrl: aws.queues.updates,
      functionName: 'publish-events',
      batchSize: 10,
      handler: async (event, ctx) => {
        handed.push(...event.Records.map((r) => ({ accountId: r.messageAttributes.accountId?.stringValue, body: r.body })));
        return handler(event, ctx);
      },
    },
  ]);
  return handed;
}

beforeAll(async () => {
  aws = await startLocalAws({ visibilityTimeoutSeconds: 30 });
  klaviyo = await KlaviyoSimulator.start({ privateKeys: ACCOUNTS.map(klaviyoKey) });
  dir = mkdtempSync(join(tmpdir(), 'cli-replay-test-'));
  const accountsFile = join(dir, 'accounts.json');
  writeFileSync(
    accountsFile,
    JSON.stringify({
      accounts: ACCOUNTS.map((id) => ({
        id,
        // Never contacted: replay and publish-events do not call ShipStation; a closed loopback port makes sure of it.
        shipStation: { apiKey: `${id}-key`, apiSecret: `${id}-secret`, keyExpiresOn: '2027-11-01', baseUrl: 'http://127.0.0.1:9' },
        klaviyo: { privateKey: klaviyoKey(id), baseUrl: klaviyo.baseUrl },
        webhookToken: `${id}-webhook-token-0123456789`,
      })),
    }),
  );
  Object.assign(process.env, aws.env, { ACCOUNTS_FILE: accountsFile, HTTP_TIMEOUT_MS: '5000' });
  ({ handler } = await import('../../functions/publish-events.js'));
});

afterAll(async () => {
  await klaviyo.close();
  await aws.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  // Every body sent to Klaviyo in this file, replays included, must match Klaviyo's official schema.
  for (const request of klaviyo.requests.filter((r) => r.path === '/api/events')) {
    expect(request.schemaErrors).toEqual([]);
    expect(validateKlaviyoBody('create-event', request.body)).toEqual([]);
  }
});

describe('shipstation-klaviyo replay queues', () => {
  it('counts and samples the DLQs in a dry run, moves nothing and leaves nothing hidden for long', async () => {
    // Prepare: two webhooks fetch-resource gave up on
    for (const n of [1, 2]) {
      await park(aws.queues.notificationsDlq, {
        accountId: 'shop',
        resourceUrl: `https://ssapi.shipstation.com/orders?importBatch=${n}`,
        resourceType: 'ORDER_NOTIFY',
        receivedAt: '2026-11-25T08:00:00.000Z',
      });
    }

    // Act
    const { code, lines } = await cli('replay', 'queues', '--dry-run');

    // Assess
    expect(code).toBe(0);
    expect(lines).toEqual([
      'notifications  2 messages would be moved back to notifications',
      '    shop  webhook             ORDER_NOTIFY received 2026-11-25T08:00:00.000Z',
      '    shop  webhook             ORDER_NOTIFY received 2026-11-25T08:00:00.000Z',
      'updates        0 messages would be moved back to updates',
      'history        0 messages would be moved back to history',
      'polls          0 messages would be moved back to polls',
      'dry run: nothing was moved (the sampled messages were hidden for 1 s, then visible again)',
      '',
    ]);
    expect(await queueDepth(aws, aws.queues.notifications)).toBe(0);
    // Still in the DLQ, and visible again a second later (local-aws-sqs counts hidden messages twice in its depth).
    await eventually(
      async () => {
        const { Messages } = await aws.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: aws.queues.notificationsDlq, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 1 }),
        );
        return new Set(Messages?.map((m) => m.MessageId)).size === 2;
      },
      'both sampled messages visible again',
      3_000,
    );
  });

  it('moves at most --limit messages and says more wait', async () => {
    // Prepare: the two webhooks of the dry run are still in the DLQ; let the last look at them expire
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    // Act
    const { code, lines } = await cli('replay', 'queues', '--queue', 'notifications', '--limit', '1');

    // Assess
    expect(code).toBe(0);
    expect(lines[0]).toBe('notifications  1 moved back to notifications; --limit reached, more wait in the DLQ');
    expect(await queueDepth(aws, aws.queues.notifications)).toBe(1);
    expect(await queueDepth(aws, aws.queues.notificationsDlq)).toBe(1);
  });

  it('moves snapshots back from the updates DLQ; publish-events sends each event once, a replayed duplicate nothing', async () => {
    // Prepare: three snapshots that failed earlier, one of them dead-lettered twice
    const [first, second, third] = [newOrder('shop'), newOrder('shop'), newOrder('shop')];
    const orders = [first, second, third];
    for (const order of orders) await park(aws.queues.updatesDlq, order);
    await park(aws.queues.updatesDlq, first);

    // Act
    const replayed = await cli('replay', 'queues', '--queue', 'updates');
    const handed = await publishUpdates();

    // Assess
    expect(replayed.code).toBe(0);
    expect(replayed.lines).toEqual([
      'updates        4 moved back to updates',
      '4 messages moved back: the consumers handle them again; events already sent are deduplicated by the ledger',
      '',
    ]);
    expect(await queueDepth(aws, aws.queues.updatesDlq)).toBe(0);
    expect(handed.map((h) => h.accountId)).toEqual(['shop', 'shop', 'shop', 'shop']);
    expect(
      handed
        .map((h) => JSON.parse(h.body) as OrderSnapshot)
        .map((o) => o.orderId)
        .sort(),
    ).toEqual([first, ...orders].map((o) => o.orderId).sort());
    for (const order of orders) {
      expect(acceptedSends(statusId(order))).toBe(1);
      expect(await ledgerStatus(aws, statusId(order), 'shop')).toBe('SENT');
    }

    // Act: the same message lands in the DLQ again after its event was sent, and is replayed
    const before = klaviyo.requests.length;
    await park(aws.queues.updatesDlq, second);
    const again = await cli('replay', 'queues', '--queue', 'updates');
    const handedAgain = await publishUpdates();

    // Assess: handled again, sent not again
    expect(again.lines[0]).toBe('updates        1 moved back to updates');
    expect(handedAgain).toHaveLength(1);
    expect(klaviyo.requests.length).toBe(before);
    expect(acceptedSends(statusId(second))).toBe(1);
  });
});

describe('shipstation-klaviyo replay records', () => {
  const shopOrders: OrderSnapshot[] = [];

  beforeAll(async () => {
    // Three events Klaviyo refused with a 400; the third also has a phone Klaviyo refuses, which nobody fixes.
    shopOrders.push(newOrder('shop'), newOrder('shop'), newOrder('shop', { phone: BAD_PHONE }));
    klaviyo.failNext(3, { status: 400 });
    const result = await handler(sqsEvent(shopOrders, 'shop'), context('publish-events'));
    expect(result.batchItemFailures).toEqual([]);
    const records = (await deadLetters(aws, 'shop')).map((r) => [r.uniqueId, r.reason]);
    expect(records.sort()).toEqual(shopOrders.map((o) => [statusId(o), FIRST_REASON]).sort());
  });

  it('lists what would be re-sent in a dry run, emails and phones masked, and sends nothing', async () => {
    // Prepare
    const before = klaviyo.requests.length;

    // Act
    const { code, output, lines } = await cli('replay', 'records', '--account', 'shop', '--dry-run');

    // Assess
    expect(code).toBe(0);
    for (const order of shopOrders) {
      const email = `buyer${order.orderId}@example.com`;
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^shop {2}Order Awaiting Shipment +order ${order.orderId} +b\\*\\*\\*@e\\*\\*\\*\\.com +would be re-sent \\(refused: error: Simulated HTTP 400\\.: /data/\\)$`,
          ),
        ),
      );
      expect(output).not.toContain(email);
    }
    expect(lines).toContain('shop  3 records: 3 would send; dry run: nothing was sent or changed');
    expect(klaviyo.requests.length).toBe(before);
    expect((await deadLetters(aws, 'shop')).length).toBe(3);
    expect(await ledgerStatus(aws, statusId(shopOrders[0] as OrderSnapshot), 'shop')).toBe('DEAD');
  });

  it('re-sends the records whose cause is fixed and deletes them, and keeps the one refused again with the new reason', async () => {
    // Act
    const { code, output, lines } = await cli('replay', 'records', '--account', 'shop');

    // Assess
    expect(code).toBe(1);
    const [fixedA, fixedB, stillBad] = shopOrders as [OrderSnapshot, OrderSnapshot, OrderSnapshot];
    for (const order of [fixedA, fixedB]) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^shop {2}Order Awaiting Shipment +order ${order.orderId} .* sent; record deleted$`)));
      expect(acceptedSends(statusId(order))).toBe(1);
      expect(await ledgerStatus(aws, statusId(order), 'shop')).toBe('SENT');
    }
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^shop {2}Order Awaiting Shipment +order ${stillBad.orderId} .* refused again: invalid: Invalid phone number format: '\\*{8}32' is not E\\.164\\.: \\S+phone_number; record kept$`,
        ),
      ),
    );
    expect(lines).toContain('shop  3 records: 2 sent, 1 refused again');
    expect(output).not.toContain(BAD_PHONE);
    const kept = await deadLetters(aws, 'shop');
    expect(kept.map((r) => [r.uniqueId, r.reason, r.httpStatus])).toEqual([
      [statusId(stillBad), `invalid: Invalid phone number format: '${BAD_PHONE}' is not E.164.: /data/attributes/profile/data/attributes/phone_number`, '400'],
    ]);
    expect(await ledgerStatus(aws, statusId(stillBad), 'shop')).toBe('DEAD');
    expect(acceptedSends(statusId(stillBad))).toBe(0);
  });

  it("sends nothing while the account's Klaviyo key is paused, keeps its records and exits 1", async () => {
    // Prepare: one refused event, then the key is revoked and the next event pauses the account
    const refused = newOrder('paused');
    klaviyo.failNext(1, { status: 400 });
    await handler(sqsEvent([refused], 'paused'), context('publish-events'));
    klaviyo.revokeKey(klaviyoKey('paused'));
    await handler(sqsEvent([newOrder('paused')], 'paused'), context('publish-events'));
    const before = klaviyo.requests.length;

    // Act
    const one = await cli('replay', 'records', '--account', 'paused');
    const all = await cli('replay', 'records');

    // Assess
    expect(one.code).toBe(1);
    expect(one.lines).toEqual([
      "paused  paused: the account's Klaviyo key is refused, so nothing was sent; 1 dead-letter record kept " +
        '(fix the key: shipstation-klaviyo doctor --account paused, then replay again)',
      '',
    ]);
    expect(all.code).toBe(1);
    expect(all.lines.filter((line) => /^(shop|paused) {2}\S/.test(line) && !line.includes(' order '))).toEqual([
      'shop  1 record: 1 refused again',
      expect.stringMatching(/^paused {2}paused: /),
    ]);
    // Only the shop's record that is still refused was tried again; nothing of the paused account.
    expect(klaviyo.requests.slice(before).map((r) => (r.body as { data: { attributes: { unique_id: string } } }).data.attributes.unique_id)).toEqual([
      statusId(shopOrders[2] as OrderSnapshot),
    ]);
    expect((await deadLetters(aws, 'paused')).map((r) => r.uniqueId)).toEqual([statusId(refused)]);
    expect(await ledgerStatus(aws, statusId(refused), 'paused')).toBe('DEAD');
  });
});

describe('shipstation-klaviyo replay with bad arguments', () => {
  it.each([
    [['replay'], 'error: replay needs what to replay: queues or records'],
    [['replay', 'letters'], 'error: replay replays queues or records, got "letters"'],
    [['replay', 'queues', '--queue', 'orders'], 'error: --queue must be one of notifications, updates, history, polls, got "orders"'],
    [['replay', 'queues', '--account', 'shop'], 'error: replay queues does not take --account'],
    [['replay', 'records', '--limit', '-1'], 'error: --limit must be a whole number from 1 to 1000000, got "-1"'],
    [['replay', 'records', '--limit', '0'], 'error: --limit must be a whole number from 1 to 1000000, got "0"'],
    [['replay', 'records', '--account', 'nobody'], 'error: unknown account "nobody" (configured: shop, paused)'],
  ])('exits with 2, the reason and the usage for %j', async (argv, reason) => {
    // Act
    const { code, output } = await cli(...argv);

    // Assess
    expect(code).toBe(2);
    expect(output.split('\n')[0]).toBe(reason);
    expect(output).toContain('Usage: shipstation-klaviyo <command> [options]');
  });
});
