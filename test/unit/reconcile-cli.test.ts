// `reconcile` at the CLI edge: its arguments (--since 7d or 7, 1–90 days) and the printed report (counts, missing and
// extra lines with emails masked, the --fix summary).
import { UsageError } from '../../lib/cli/command.js';
import { parseArgs } from '../../lib/cli/commands.js';
import { EXTRA_NOTE, formatReconcile, runReconcile } from '../../lib/cli/commands/reconcile.js';
import { ShipStationCredentialsError } from '../../lib/domain/errors.js';
import { checkOrder, reconcile } from '../../lib/domain/reconcile.js';
import type { ReconcileResult } from '../../lib/use-cases/reconcile-account.js';
import { fakeAccount } from '../fakes/in-memory-ports.js';
import { orderSnapshot, shipmentSnapshot } from '../helpers/factories.js';

/** The invocation as `{ name, ...options }`, or `{ name: 'help' }`. */
function read(argv: readonly string[]): Record<string, unknown> {
  const invocation = parseArgs(argv);
  return invocation.help ? { name: 'help' } : { name: invocation.command.name, ...invocation.options };
}

describe('parseArgs for reconcile', () => {
  it.each([
    [['reconcile', '--since', '7d'], { name: 'reconcile', sinceDays: 7, fix: false, local: false }],
    [['reconcile', '--since=30', '--account', 'acme', '--fix'], { name: 'reconcile', sinceDays: 30, account: 'acme', fix: true, local: false }],
    [['reconcile', '--since', '90d', '--local'], { name: 'reconcile', sinceDays: 90, fix: false, local: true }],
  ])('reads %j', (argv, command) => {
    // Act
    const parsed = read(argv);

    // Assess
    expect(parsed).toEqual(command);
  });

  it.each([
    [['reconcile'], 'reconcile needs --since <N>d (e.g. --since 7d)'],
    [['reconcile', '--since', '0d'], '--since must be a number of days from 1 to 90, like 7d, got "0d"'],
    [['reconcile', '--since', '91d'], '--since must be a number of days from 1 to 90, like 7d, got "91d"'],
    [['reconcile', '--since', '12h'], '--since must be a number of days from 1 to 90, like 7d, got "12h"'],
    [['reconcile', '--since', '7d', '--days', '3'], 'reconcile does not take --days'],
    [['reconcile', '--since', '7d', '--fix=yes'], '--fix takes no value'],
    [['reconcile', '--since', '7d', 'acme'], 'unexpected argument "acme" for reconcile'],
  ])('refuses %j', (argv, message) => {
    // Act
    const attempt = (): unknown => parseArgs(argv);

    // Assess
    expect(attempt).toThrow(new UsageError(message));
  });
});

function result(overrides: Partial<ReconcileResult> = {}): ReconcileResult {
  const order = orderSnapshot({
    orderId: 7,
    orderNumber: 'A-7',
    status: 'on_hold',
    modifiedAt: '2026-07-05T17:00:00.000Z',
    customer: { email: 'ada.lovelace@example.com' },
  });
  const label = shipmentSnapshot({
    orderId: 8,
    orderNumber: 'A-8',
    shipmentId: 80,
    voided: true,
    voidedAt: '2026-07-05T16:30:00.000Z',
    customerEmail: 'grace.hopper@example.com',
  });
  const report = reconcile({
    orders: [checkOrder(order, undefined)],
    labels: [label],
    recorded: new Map([['ss:default:shipment:80:shipped', 'sent']]),
    held: new Set(),
    polledThrough: '2026-07-05T16:45:00.000Z',
  });
  return {
    accountId: 'default',
    windowStart: '2026-06-28T18:00:00.000Z',
    windowEnd: '2026-07-05T18:00:00.000Z',
    polledThrough: '2026-07-05T16:45:00.000Z',
    requests: 2,
    unreadable: 0,
    report,
    ...overrides,
  };
}

describe('formatReconcile', () => {
  it('prints the counts, then each missing and extra event with its unique id and the email masked', () => {
    // Act
    const text = formatReconcile(result(), 7);

    // Assess
    expect(text).toContain(
      'default  orders modified and labels created 2026-06-28T18:00:00Z → 2026-07-05T18:00:00Z (7 days) · 2 ShipStation requests · polled through 2026-07-05T16:45:00Z',
    );
    expect(text).toMatch(/^ {2}on_hold +1 +1 +0 +1 +0 +0 +0$/m);
    expect(text).toMatch(/^ {2}shipped +0 +– +– +– +– +– +–$/m);
    expect(text).toMatch(/^ {2}voided label +1 +1 +0 +1 +0 +0 +0$/m);
    expect(text).toMatch(
      /order A-7 \(id 7\) +on_hold +Order On Hold +a\*\*\*@e\*\*\*\.com +changed after the last poll; the next poll sends it +\[ss:default:order:7:on_hold:20260705T170000Z\]/,
    );
    expect(text).toMatch(/order A-8 \(id 8\) label 80 +voided label +Shipment Voided +g\*\*\*@e\*\*\*\.com .*\[ss:default:shipment:80:voided\]/);
    expect(text).toMatch(/extra \(1\):\n +order A-8 \(id 8\) label 80 +Order Shipped +sent for label 80, which ShipStation now shows voided/);
    expect(text).toContain('default  2 missing (1 not polled yet), 1 extra');
    expect(text).toContain('default  --fix enqueues the fixable ones');
    expect(text).not.toMatch(/lovelace|hopper/);
  });

  it('says how many snapshots --fix enqueued, per queue', () => {
    // Act
    const text = formatReconcile(result({ enqueued: { updates: 2, history: 1 } }), 1);

    // Assess
    expect(text).toContain('default  --fix: 3 snapshots enqueued (2 on the updates queue, 1 on the history queue)');
  });
});

describe('runReconcile', () => {
  it('exits 1 when something is missing, 0 when nothing is, and ends with what extra can and cannot detect', async () => {
    // Prepare
    const written: string[] = [];
    const io = { write: (t: string) => void written.push(t), writeError: (t: string) => void written.push(t) };
    const clean = result();
    clean.report = { ...clean.report, missing: [], extra: [] };

    // Act
    const failing = await runReconcile(async () => result(), [fakeAccount()], { days: 7, fix: false }, io);
    const passing = await runReconcile(async () => clean, [fakeAccount()], { days: 7, fix: false }, io);

    // Assess
    expect(failing).toBe(1);
    expect(passing).toBe(0);
    expect(written.at(-1)).toBe(`${EXTRA_NOTE}\n`);
  });

  it('reconciles the other accounts when one cannot be (a refused ShipStation key), and exits 1', async () => {
    // Prepare
    const written: string[] = [];
    const io = { write: (t: string) => void written.push(t), writeError: (t: string) => void written.push(t) };
    const clean = result();
    clean.report = { ...clean.report, missing: [], extra: [] };
    const reconcile = async ({ accountId }: { accountId: string }): Promise<ReturnType<typeof result>> => {
      if (accountId === 'expired') throw new ShipStationCredentialsError('expired');
      return clean;
    };

    // Act
    const code = await runReconcile(reconcile, [fakeAccount({ id: 'expired' }), fakeAccount({ id: 'healthy' })], { days: 7, fix: false }, io);

    // Assess
    expect(code).toBe(1);
    expect(written).toContain('expired  not reconciled: ShipStation refused the key (401): see `doctor`\n\n');
    expect(written.filter((line) => line.includes('  not reconciled: '))).toHaveLength(1);
    expect(written.some((line) => line.startsWith(formatReconcile(clean, 7).split('\n')[0] ?? '-'))).toBe(true);
  });
});
