// `replay` in the CLI without I/O: its arguments (a target, then its flags; each target refuses the other's flag) and
// what it prints (a dry run's sample and a record's line carry no email, phone or name).
import { UsageError } from '../../lib/cli/command.js';
import { parseArgs } from '../../lib/cli/commands.js';
import { describeQueueMessage, formatQueueReplay, formatRecordLine, formatRecordsSummary } from '../../lib/cli/commands/replay.js';
import type { DeadLetterMessage } from '../../lib/ports.js';
import { orderSnapshot, shipmentSnapshot } from '../helpers/factories.js';

const message = (body: unknown, accountId = 'acme'): DeadLetterMessage => ({
  messageId: 'm-1',
  body: typeof body === 'string' ? body : JSON.stringify(body),
  attributes: { accountId: { dataType: 'String', stringValue: accountId } },
  receipt: 'r-1',
});

/** The invocation as `{ name, ...options }`, or `{ name: 'help' }`. */
function read(argv: readonly string[]): Record<string, unknown> {
  const invocation = parseArgs(argv);
  return invocation.help ? { name: 'help' } : { name: invocation.command.name, ...invocation.options };
}

describe('parseArgs for replay', () => {
  it.each([
    [['replay', 'queues'], { name: 'replay', target: 'queues', dryRun: false, local: false }],
    [
      ['replay', 'queues', '--queue', 'updates', '--dry-run', '--limit', '25'],
      { name: 'replay', target: 'queues', queue: 'updates', dryRun: true, limit: 25, local: false },
    ],
    [['replay', 'records'], { name: 'replay', target: 'records', dryRun: false, local: false }],
    [
      ['replay', 'records', '--account=acme', '--limit=1', '--dry-run'],
      { name: 'replay', target: 'records', account: 'acme', dryRun: true, limit: 1, local: false },
    ],
    [['replay', '--help'], { name: 'help' }],
  ])('reads %j', (argv, expected) => {
    // Act
    const command = read(argv);

    // Assess
    expect(command).toEqual(expected);
  });

  it.each([
    [['replay'], 'replay needs what to replay: queues or records'],
    [['replay', '--dry-run'], 'replay needs what to replay: queues or records'],
    [['replay', 'everything'], 'replay replays queues or records, got "everything"'],
    [['replay', 'queues', '--queue', 'orders'], '--queue must be one of notifications, updates, history, polls, got "orders"'],
    [['replay', 'queues', '--account', 'acme'], 'replay queues does not take --account'],
    [['replay', 'records', '--queue', 'updates'], 'replay records does not take --queue'],
    [['replay', 'records', '--limit', '0'], '--limit must be a whole number from 1 to 1000000, got "0"'],
    [['replay', 'records', '--limit', 'all'], '--limit must be a whole number from 1 to 1000000, got "all"'],
    [['replay', 'records', '--days', '3'], 'replay does not take --days'],
    [['replay', 'records', 'acme'], 'unexpected argument "acme" for replay'],
  ])('refuses %j: %s', (argv, reason) => {
    // Act
    const parse = (): unknown => parseArgs(argv);

    // Assess
    expect(parse).toThrow(new UsageError(reason));
  });
});

describe('replay output', () => {
  it('describes a snapshot in a DLQ by account, kind and order, without the customer', () => {
    // Act
    const order = describeQueueMessage(message(orderSnapshot({ accountId: 'acme' })));
    const label = describeQueueMessage(message(shipmentSnapshot({ voided: true, voidedAt: '2026-07-05T17:30:00.000Z' }), 'default'));

    // Assess
    expect(order).toEqual({ accountId: 'acme', type: 'order snapshot', summary: 'order 123456 (A-1001) awaiting_shipment, modified 2026-07-04T17:20:00.000Z' });
    expect(label.type).toBe('label snapshot');
    expect(JSON.stringify([order, label])).not.toMatch(/jane|doe|4155550132/i);
  });

  it("describes a history-queue message asking for an account's bulk outbox to be sent", () => {
    // Act
    const described = describeQueueMessage(message({ accountId: 'acme', flushOutbox: { before: '2026-12-07T20:00:00.000Z' } }));

    // Assess
    expect(described).toEqual({ accountId: 'acme', type: 'bulk outbox flush', summary: 'events waiting since 2026-12-07T20:00:00.000Z or earlier' });
  });

  it('shows the first line of a body it cannot read, masked and cut short', () => {
    // Act
    const described = describeQueueMessage(message(`{"broken": "jane.doe@example.com ${'x'.repeat(200)}`));

    // Assess
    expect(described.type).toBe('unreadable');
    expect(described.summary).toContain('j***@e***.com');
    expect(described.summary.length).toBeLessThanOrEqual(100);
  });

  it("prints a dry run's count and sample, and a real run's count and failures", () => {
    // Prepare
    const base = {
      queue: 'updates',
      hasDeadLetterQueue: true,
      waiting: 5,
      moved: 0,
      failed: [],
      wouldMove: 5,
      sample: [message(orderSnapshot())],
      limited: false,
      stillWaiting: 0,
    };

    // Act
    const dry = formatQueueReplay(base, true);
    const real = formatQueueReplay({ ...base, moved: 4, failed: [{ messageId: 'm-9', reason: 'SQS answered 500' }] }, false);

    // Assess
    expect(dry).toEqual([
      'updates        5 messages would be moved back to updates',
      '    acme  order snapshot      order 123456 (A-1001) awaiting_shipment, modified 2026-07-04T17:20:00.000Z',
      '    … and 4 more',
    ]);
    expect(real[0]).toBe('updates        4 moved back to updates, 1 failed (left in the DLQ, or also in the queue: duplicates are deduplicated)');
  });

  it('prints a record with the contact and the reasons masked', () => {
    // Prepare
    const event = {
      accountId: 'acme',
      metric: 'Order Shipped',
      time: '2026-07-05T16:00:00.000Z',
      uniqueId: 'u',
      properties: {},
      profile: { email: 'jane.doe@example.com' },
      backfill: false,
      orderId: 42,
    };

    // Act
    const line = formatRecordLine('acme', {
      uniqueId: 'u',
      metric: 'Order Shipped',
      orderId: 42,
      reason: 'x',
      outcome: 'refused-again',
      detail: "Invalid email address: 'jane.doe@example.com'.",
      event,
    });
    const summary = formatRecordsSummary(
      { accountId: 'acme', status: 'done', limited: false, items: [{ uniqueId: 'u', metric: 'Order Shipped', orderId: 42, reason: 'x', outcome: 'sent' }] },
      false,
    );

    // Assess
    expect(line).toMatch(
      /^acme {2}Order Shipped +order 42 +j\*\*\*@e\*\*\*\.com +refused again: Invalid email address: 'j\*\*\*@e\*\*\*\.com'\.; record kept$/,
    );
    expect(summary).toBe('acme  1 record: 1 sent');
  });
});
