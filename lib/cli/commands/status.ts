// `status`: runs reportStatus (our own AWS state only: it never calls ShipStation or Klaviyo) and prints the queues,
// then one block per account and the problems, each with what to do; `--json` prints the report as one JSON object for
// test harnesses, `--watch` redraws it every few seconds until Ctrl+C. Exit code 1 when anything is stuck (that of the
// last report with --watch), else 0.
import { maskText } from '../../observability.js';
import type { CredentialService } from '../../ports.js';
import type { RecordedKeyStatus } from '../../use-cases/credential-health.js';
import { durationText, type AccountStatus, type QueueStatus, type StatusReport } from '../../use-cases/report-status.js';
import { accountsFor, type Command, type CommandContext, type CommandOptions } from '../command.js';
import { accountOf, ACCOUNT_FLAG, isSet, LOCAL_FLAG, readFlags } from '../flags.js';
import { count, isoSeconds, oneLine, plural } from '../text.js';

export interface StatusOptions extends CommandOptions {
  account?: string;
  watch: boolean;
  json: boolean;
  /** Internal (tests): with --watch, stop after this many reports. */
  rounds?: number;
  /** Internal (tests): with --watch, the pause between reports (default WATCH_INTERVAL_MS). */
  intervalMs?: number;
}

/** How often --watch redraws. */
export const WATCH_INTERVAL_MS = 5_000;
/** ANSI: clear the screen and put the cursor top left. */
const CLEAR_SCREEN = '\u001b[2J\u001b[H';

const FLAGS = [
  { name: 'watch', help: ["for status: redraw every 5 s until Ctrl+C (exit code: the last report's)"] },
  { name: 'json', help: ['for status: print the report as one JSON object (idle, stuck, problems, queues,', 'accounts)'] },
  ACCOUNT_FLAG,
  LOCAL_FLAG,
];

const KEY_NAME: Readonly<Record<CredentialService, string>> = { shipstation: 'ShipStation', 'shipstation-v2': 'ShipStation V2', klaviyo: 'Klaviyo' };

/** The report with every free text a service wrote (refusal reasons: they may quote a customer's contact) masked. */
export function maskedReport(report: StatusReport): StatusReport {
  const maskKey = (key: RecordedKeyStatus): RecordedKeyStatus => ({
    ...key,
    ...(key.pause === undefined ? {} : { pause: { ...key.pause, ...(key.pause.reason === undefined ? {} : { reason: maskText(key.pause.reason) }) } }),
    ...(key.outage === undefined ? {} : { outage: { ...key.outage, reason: maskText(key.outage.reason) } }),
  });
  return {
    ...report,
    problems: report.problems.map(maskText),
    accounts: report.accounts.map((account) => ({
      ...account,
      keys: account.keys.map(maskKey),
      deadLetters: { ...account.deadLetters, sample: account.deadLetters.sample.map((s) => ({ ...s, reason: maskText(s.reason) })) },
      problems: account.problems.map(maskText),
    })),
  };
}

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The queues block: a row per work queue, its DLQ and the DLQ's oldest message. */
export function formatQueues(queues: QueueStatus[]): string[] {
  const row = (cells: string[]): string =>
    `  ${(cells[0] ?? '').padEnd(14)}${cells
      .slice(1, 6)
      .map((cell) => cell.padStart(10))
      .join('')}  ${cells[6] ?? ''}`.trimEnd();
  const oldest = (q: QueueStatus): string => {
    if (q.oldestDeadLetter === undefined) return (q.deadLetters ?? 0) > 0 ? 'oldest not seen' : '';
    return `oldest sent ${q.oldestDeadLetter.allSeen ? '' : '≥ '}${durationText(q.oldestDeadLetter.ageSeconds * 1000)} ago`;
  };
  return [
    'queues (shared by all accounts)',
    row(['', 'waiting', 'in flight', 'delayed', 'total', 'DLQ']),
    ...queues.map((q) =>
      row([
        q.queue,
        count(q.visible),
        count(q.inFlight),
        count(q.delayed),
        count(q.visible + q.inFlight + q.delayed),
        q.deadLetters === undefined ? '-' : count(q.deadLetters),
        oldest(q),
      ]),
    ),
    '  (a work queue\'s oldest message: the CloudWatch dashboard, "Oldest message age")',
  ];
}

const keyText = (key: RecordedKeyStatus): string => {
  const name = KEY_NAME[key.service];
  const parts: string[] = [];
  if (key.pause?.state === 'paused') parts.push(`✘ paused since ${isoSeconds(key.pause.since)}: ${clip(oneLine(key.pause.reason ?? 'key refused'), 100)}`);
  if (key.pause?.state === 'replaced') parts.push(`! the key refused on ${isoSeconds(key.pause.since)} was replaced; its first success ends the pause`);
  if (key.outage !== undefined) parts.push(`✘ outage since ${isoSeconds(key.outage.since)}: ${clip(oneLine(key.outage.reason), 100)}`);
  return parts.length === 0 ? `${name} ✔` : `${name} ${parts.join('; ')}`;
};

/** One account's block. */
export function formatAccount(account: AccountStatus, report: Pick<StatusReport, 'at' | 'pollsScheduled'>): string[] {
  const now = Date.parse(report.at);
  const { poll } = account;
  const running = poll.running === undefined ? '' : `; a ${poll.running.mode} run started ${isoSeconds(poll.running.startedAt)} is in progress`;
  const unscheduled = report.pollsScheduled ? '' : ' (polls are not scheduled here: run `poll`)';
  const pollText =
    poll.lastCompletedAt === undefined
      ? `no poll has completed yet${running}${unscheduled}`
      : `${poll.stale ? '✘ ' : ''}completed ${durationText(now - Date.parse(poll.lastCompletedAt))} ago (${isoSeconds(poll.lastCompletedAt)}), ` +
        `everything through ${isoSeconds(poll.through ?? '?')} enqueued${running}${unscheduled}`;
  const dead = account.deadLetters;
  const sent = Object.entries(account.sentLastHour).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  return [
    `account ${account.accountId}`,
    `  ${'last poll'.padEnd(17)} ${pollText}`,
    `  ${'keys'.padEnd(17)} ${account.keys.map(keyText).join(', ')}`,
    `  ${'held events'.padEnd(17)} ${account.heldEvents === 0 ? '0' : `✘ ${count(account.heldEvents)}`}`,
    ...(account.waitingForBulk === 0
      ? []
      : [
          `  ${'waiting for bulk'.padEnd(17)} ${count(account.waitingForBulk)} (history events short of a full bulk request: they go with the next batch, or within BULK_WAIT_SECONDS)`,
        ]),
    `  ${'dead letters'.padEnd(17)} ${dead.count === 0 ? '0' : `✘ ${count(dead.count)}`}`,
    ...dead.sample.map((s) => `      ${s.metric} of order ${s.orderId} (${isoSeconds(s.at)}): ${clip(oneLine(s.reason), 120)}`),
    ...(dead.count > dead.sample.length && dead.sample.length > 0 ? [`      … and ${count(dead.count - dead.sample.length)} more`] : []),
    `  ${'sent, last hour'.padEnd(17)} ${sent.length === 0 ? 'none' : sent.map(([metric, n]) => `${metric} ${count(n)}`).join(' · ')}`,
  ];
}

/** The whole report as printed: verdict, queues, accounts, problems. */
export function formatStatus(report: StatusReport): string {
  const waiting = report.queues.reduce((sum, q) => sum + q.visible + q.inFlight + q.delayed, 0);
  const activity = report.idle ? 'idle' : `working (${plural(waiting, 'message')} in the work queues)`;
  const verdict = report.stuck ? `STUCK (${plural(report.problems.length, 'problem')}), ${activity}` : `OK, ${activity}`;
  return [
    `status at ${isoSeconds(report.at)}: ${verdict}`,
    '',
    ...formatQueues(report.queues),
    ...report.accounts.flatMap((account) => ['', ...formatAccount(account, report)]),
    ...(report.problems.length === 0 ? [] : ['', 'problems', ...report.problems.map((problem) => `  ✘ ${problem}`)]),
    '',
  ].join('\n');
}

const render = (report: StatusReport, json: boolean): string => {
  const masked = maskedReport(report);
  return json ? `${JSON.stringify(masked, null, 2)}\n` : formatStatus(masked);
};

/** --watch: a report every interval until SIGINT (or `rounds`), redrawn in place on a terminal; the last one's exit code. */
async function watch(options: StatusOptions, context: CommandContext, accountIds: string[]): Promise<number> {
  const { w, io } = context;
  let stopped = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    stopped = true;
    clearTimeout(timer);
    wake?.();
  };
  process.on('SIGINT', stop);
  let code = 0;
  try {
    for (let round = 0; !stopped && (options.rounds === undefined || round < options.rounds); round += 1) {
      let text: string;
      try {
        const report = await w.reportStatus(accountIds);
        text = render(report, options.json);
        code = report.stuck ? 1 : 0;
      } catch (error) {
        // One failed read (AWS credentials expiring, a throttle) does not end the watch: the next round tries again.
        text = `status at ${isoSeconds(new Date().toISOString())}: could not be read: ${oneLine(error instanceof Error ? error.message : String(error))}\n`;
        code = 1;
      }
      io.write(io.isTty === true ? `${CLEAR_SCREEN}${text}` : `${round === 0 ? '' : '\n'}${text}`);
      if (options.rounds !== undefined && round + 1 >= options.rounds) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, options.intervalMs ?? WATCH_INTERVAL_MS);
        if (stopped) resolve();
      });
    }
  } finally {
    process.removeListener('SIGINT', stop);
    clearTimeout(timer);
  }
  return code;
}

export const statusCommand: Command<StatusOptions> = {
  name: 'status',
  usage: [
    {
      synopsis: 'status [--account <id>] [--watch] [--json]',
      summary: [
        'queues and dead-letter queues, and per account the last poll,',
        'pauses, held events, dead letters and events sent in the last',
        'hour, from our own AWS state only (exit 1 when something is stuck)',
      ],
    },
  ],
  flags: FLAGS,

  parse(args) {
    const flags = readFlags('status', FLAGS, args);
    const account = accountOf(flags);
    return { ...(account === undefined ? {} : { account }), watch: isSet(flags, 'watch'), json: isSet(flags, 'json'), local: isSet(flags, 'local') };
  },

  /** One report (or one per interval with --watch); 1 when anything is stuck. */
  async run(options, context) {
    const accountIds = accountsFor(context.w, options.account).map((account) => account.id);
    if (options.watch) return watch(options, context, accountIds);
    const report = await context.w.reportStatus(accountIds);
    context.io.write(render(report, options.json));
    return report.stuck ? 1 : 0;
  },
};
