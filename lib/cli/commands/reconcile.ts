// `reconcile --since <N>d`: reconcileAccount per account → counts per ShipStation status and per label kind, the
// missing and extra events (emails masked), and with --fix how many snapshots were enqueued. Exit 1 when anything is
// missing (even with --fix: enqueued is not yet sent; run it again to confirm), else 0.
import { ShipStationCredentialsError } from '../../domain/errors.js';
import { SHIPMENT_METRICS } from '../../domain/event-mapping.js';
import type { LabelKind, MissingEvent, ExtraEvent, Tally } from '../../domain/reconcile.js';
import type { OrderStatus } from '../../domain/shipstation.js';
import { maskEmail } from '../../observability.js';
import type { Account } from '../../ports.js';
import type { ReconcileAccount, ReconcileResult } from '../../use-cases/reconcile-account.js';
import { accountsFor, UsageError, type Command, type CommandOptions } from '../command.js';
import { accountOf, ACCOUNT_FLAG, isSet, LOCAL_FLAG, readFlags, valueOf } from '../flags.js';
import { count, isoSeconds, oneLine } from '../text.js';

/** `reconcile --since <N>d`: compare ShipStation with what was sent over the last N days; `fix` enqueues what is missing. */
export interface ReconcileOptions extends CommandOptions {
  sinceDays: number;
  account?: string;
  fix: boolean;
}

const MAX_SINCE_DAYS = 90;
const FLAGS = [
  { name: 'since', value: '<N>d', help: ['for reconcile: orders modified and labels created in the last N days (1-90;', '7d or 7)'] },
  ACCOUNT_FLAG,
  { name: 'fix', help: ['for reconcile: enqueue the snapshots of the missing events; the consumers send them'] },
  LOCAL_FLAG,
];

/** What "extra" can and cannot tell, printed under every report (and in docs/cli.md). */
export const EXTRA_NOTE =
  `extra = sent events ShipStation now contradicts, as far as they can be detected: an ${SHIPMENT_METRICS.shipped} for a label now ` +
  `voided with no ${SHIPMENT_METRICS.voided} after it, and a status event recorded from an order state newer than ShipStation's ` +
  'modifyDate. Not detectable: events of orders or labels outside the window or deleted in ShipStation, and fulfilments ' +
  '(not reconciled); a status event sent for a status the order has since left is history, not extra.';

const COLUMNS: { title: string; of: (t: Tally) => number }[] = [
  { title: 'in ShipStation', of: (t) => t.inShipStation },
  { title: 'owed', of: (t) => t.owed },
  { title: 'sent', of: (t) => t.sent },
  { title: 'missing', of: (t) => t.missing },
  { title: 'dead-lettered', of: (t) => t.deadLettered },
  { title: 'held', of: (t) => t.held },
  { title: 'in flight', of: (t) => t.inFlight },
];
const NAME_WIDTH = 22;

/** One row of the counts; a row whose events are carried elsewhere (`shipped`: per label) shows dashes. */
function formatRow(name: string, tally: Tally, noEvents = false): string {
  const cells = COLUMNS.map((c, i) => (noEvents && i > 0 ? '–' : count(c.of(tally))).padStart(c.title.length));
  return `  ${name.padEnd(NAME_WIDTH)} ${cells.join('  ')}`;
}

const who = (email: string | undefined): string => (email === undefined || email === '' ? '(no email)' : maskEmail(email));
const orderRef = (e: { orderNumber?: string; orderId: number; shipmentId?: number }): string =>
  `order ${e.orderNumber ?? '?'} (id ${e.orderId})${e.shipmentId === undefined ? '' : ` label ${e.shipmentId}`}`;

/** `order 1042 (id 100042)  on_hold  Order On Hold  j***@e***.com  <why>  [unique id]`, email masked. */
export function formatMissing(m: MissingEvent): string {
  return `    ${orderRef(m).padEnd(38)} ${m.status.padEnd(20)} ${m.metric.padEnd(26)} ${who(m.email).padEnd(18)} ${m.fixable ? '' : 'NOT FIXABLE: '}${m.detail}  [${m.uniqueId}]`;
}

export function formatExtra(e: ExtraEvent): string {
  return `    ${orderRef(e).padEnd(38)} ${e.metric.padEnd(26)} ${e.detail}  [${e.uniqueId}]`;
}

/** The whole report of one account, ending with its one-line summary. */
export function formatReconcile(result: ReconcileResult, days: number): string {
  const { report } = result;
  const lines: string[] = [
    `${result.accountId}  orders modified and labels created ${isoSeconds(result.windowStart)} → ${isoSeconds(result.windowEnd)} (${days} day${days === 1 ? '' : 's'}) · ` +
      `${count(result.requests)} ShipStation request${result.requests === 1 ? '' : 's'} · ` +
      (result.polledThrough === undefined ? 'never polled to the end' : `polled through ${isoSeconds(result.polledThrough)}`),
    '',
    `  ${'orders by status'.padEnd(NAME_WIDTH)} ${COLUMNS.map((c) => c.title).join('  ')}`,
    ...report.orders.map((row: { status: OrderStatus; tally: Tally }) => formatRow(row.status, row.tally, row.status === 'shipped')),
    '  labels',
    ...report.labels.map((row: { kind: LabelKind; tally: Tally }) => formatRow(row.kind, row.tally)),
    `  (shipped orders owe no order event: each label owes its ${SHIPMENT_METRICS.shipped}; a voided label owes a ${SHIPMENT_METRICS.voided} only when its ${SHIPMENT_METRICS.shipped} went out)`,
  ];
  if (result.unreadable > 0)
    lines.push(`  ${count(result.unreadable)} row(s) ShipStation returned could not be read and are not counted (the poll dead-letters them)`);
  if (report.missing.length > 0) lines.push('', `  missing (${count(report.missing.length)}):`, ...report.missing.map(formatMissing));
  if (report.extra.length > 0) lines.push('', `  extra (${count(report.extra.length)}):`, ...report.extra.map(formatExtra));
  const notPolled = report.missing.filter((m) => m.notPolledYet).length;
  const unfixable = report.missing.filter((m) => !m.fixable).length;
  const parts = [
    `${count(report.missing.length)} missing${notPolled > 0 ? ` (${count(notPolled)} not polled yet)` : ''}${unfixable > 0 ? ` (${count(unfixable)} not fixable)` : ''}`,
    `${count(report.extra.length)} extra`,
  ];
  lines.push('', `${result.accountId}  ${parts.join(', ')}`);
  if (result.enqueued !== undefined) {
    const total = result.enqueued.updates + result.enqueued.history;
    lines.push(
      `${result.accountId}  --fix: ${count(total)} snapshot${total === 1 ? '' : 's'} enqueued (${count(result.enqueued.updates)} on the updates queue, ${count(result.enqueued.history)} on the history queue); ` +
        'the publish-events and publish-history consumers send them, dedupe keeps each event once; run reconcile again to confirm',
    );
  } else if (report.missing.some((m) => m.fixable)) {
    lines.push(`${result.accountId}  --fix enqueues the fixable ones`);
  }
  return lines.join('\n');
}

export interface ReconcileIo {
  write(text: string): void;
  writeError(text: string): void;
}

/**
 * Reconciles each account in turn and prints its report; `afterFix` runs once after all accounts when `fix` enqueued
 * something (the local stack drains its queues there).
 * @returns 1 when any account has something missing or could not be reconciled, else 0
 */
export async function runReconcile(
  reconcileAccount: ReconcileAccount,
  accounts: readonly Account[],
  options: { days: number; fix: boolean },
  io: ReconcileIo,
  afterFix?: () => Promise<void>,
): Promise<number> {
  let missing = 0;
  let enqueued = 0;
  let failed = 0;
  for (const account of accounts) {
    let result: ReconcileResult;
    try {
      result = await reconcileAccount({
        accountId: account.id,
        days: options.days,
        fix: options.fix,
        onPage: ({ resource, page, pages }) => {
          if (pages > 1) io.writeError(`${account.id}  reading ${resource} page ${page}/${pages}\n`);
        },
      });
    } catch (error) {
      // One account's refused key or outage must not keep the others from being reconciled.
      failed += 1;
      const reason =
        error instanceof ShipStationCredentialsError
          ? 'ShipStation refused the key (401): see `doctor`'
          : error instanceof Error
            ? error.message
            : String(error);
      io.write(`${account.id}  not reconciled: ${oneLine(reason)}\n\n`);
      continue;
    }
    io.write(`${formatReconcile(result, options.days)}\n\n`);
    missing += result.report.missing.length;
    enqueued += (result.enqueued?.updates ?? 0) + (result.enqueued?.history ?? 0);
  }
  io.write(`${EXTRA_NOTE}\n`);
  if (enqueued > 0) await afterFix?.();
  return missing > 0 || failed > 0 ? 1 : 0;
}

export const reconcileCommand: Command<ReconcileOptions> = {
  name: 'reconcile',
  usage: [
    {
      synopsis: 'reconcile --since <N>d [--account <id>] [--fix]',
      summary: [
        'count orders per ShipStation status and labels against the',
        'events recorded as sent over the last N days (1-90); list the',
        'missing and extra ones (exit 1 when something is missing)',
      ],
    },
  ],
  flags: FLAGS,

  /** `reconcile --since <N>d [--account <id>] [--fix]`; N also without the `d`, from 1 to 90. */
  parse(args) {
    const flags = readFlags('reconcile', FLAGS, args);
    const since = valueOf(flags, 'since');
    if (since === undefined) throw new UsageError('reconcile needs --since <N>d (e.g. --since 7d)');
    const match = /^(\d+)d?$/.exec(since);
    const days = Number(match?.[1]);
    if (match === null || days < 1 || days > MAX_SINCE_DAYS) {
      throw new UsageError(`--since must be a number of days from 1 to ${MAX_SINCE_DAYS}, like 7d, got "${since}"`);
    }
    const account = accountOf(flags);
    return { sinceDays: days, ...(account === undefined ? {} : { account }), fix: isSet(flags, 'fix'), local: isSet(flags, 'local') };
  },

  run(options, context) {
    const { w, io, local } = context;
    return runReconcile(
      w.reconcileAccount,
      accountsFor(w, options.account),
      { days: options.sinceDays, fix: options.fix },
      io,
      local === undefined ? undefined : () => local.drain(),
    );
  },
};
