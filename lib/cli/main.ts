// shipstation-klaviyo (operator CLI) → wiring → pollAccount / registerWebhooks / diagnoseAccount, in the operator's shell against the
// stage the environment names: the poll enqueues to the stage's queues and moves its cursor; its functions send.
// With --local the embedded local stack and simulators stand in for the stage. Exit: 0 done, 1 failed, 2 bad arguments.
import { ConfigurationError } from '../config.js';
import { BadInputError } from '../domain/errors.js';
import type { KlaviyoEvent } from '../domain/klaviyo-event.js';
import type { LocalStack } from '../local/stack.js';
import { logger, maskEmail, maskPhone, maskSecret, maskSecrets } from '../observability.js';
import type { Account, Clock } from '../ports.js';
import { diagnoseQueues, type AccountDiagnosis } from '../use-cases/diagnose-account.js';
import type { PollAccount, RunSummary } from '../use-cases/poll-account.js';
import { REDUNDANT_TRACK_WEBHOOK_FIX, TRACKING_WEBHOOK_EVENT, type TrackingRegistration } from '../use-cases/register-webhooks.js';
import { wiring, type Wiring } from '../wiring.js';
import { parseArgs, USAGE, UsageError, type Command } from './args.js';
import { formatConfigurationProblems, formatDiagnosis, formatQueues, formatSummary } from './doctor.js';
import { impliedEvents, makeDryRun } from './dry-run.js';
import { ProgressReporter } from './progress.js';
import { runReconcile } from './reconcile.js';
import { runReplay } from './replay.js';

/** Where the CLI writes: results to `write` (stdout), progress and errors to `writeError` (stderr; default `write`). */
export interface CliIo {
  write(text: string): void;
  writeError?(text: string): void;
  /** Whether `writeError` is a terminal: progress is then one line redrawn in place. */
  errorIsTty?: boolean;
  /** Terminal width, to keep the progress line on one row. */
  columns?: number;
}

/** The process's own streams, for bin/shipstation-klaviyo.mjs. */
export function processIo(): CliIo {
  return {
    write: (text) => void process.stdout.write(text),
    writeError: (text) => void process.stderr.write(text),
    errorIsTty: process.stderr.isTTY === true,
    columns: process.stderr.columns,
  };
}

const clock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Consecutive interrupted invocations (ShipStation errors after retries) before the CLI gives up on an account. */
const MAX_STALLS = 5;

/**
 * What everything the CLI prints passes through (main wraps its io): every query value (the webhook token:
 * `token=abcd…`, another app's key), every configured secret by value, URL credentials, and emails in any form. Phones
 * are masked where they are printed (contact columns, Klaviyo's refusal texts): elsewhere in the output a run of digits
 * is an order number or an id.
 */
export function maskOutput(text: string): string {
  const queryMasked = text.replace(/([?&][\w.-]+=)(?![{<])([^&#\s"'<>]+)/g, (_match, key: string, value: string) => `${key}${maskSecret(value)}`);
  return maskEmail(maskSecrets(queryMasked));
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();
const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? '' : 's'}`;
const isoSeconds = (time: string): string => time.replace(/\.\d+Z$/, 'Z');

/** One line per event, PII masked: time, metric, order number, customer, backfill. */
export function formatEventLine(event: KlaviyoEvent): string {
  const who = event.profile.email !== undefined ? maskEmail(event.profile.email) : event.profile.phoneNumber !== undefined ? maskPhone(event.profile.phoneNumber) : '(no contact)';
  const orderNumber = String(event.properties.OrderNumber ?? event.properties.OrderId ?? event.orderId);
  return `${isoSeconds(event.time)}  ${event.metric.padEnd(28)} order ${orderNumber.padEnd(8)} ${who}${event.backfill ? '  backfill' : ''}`;
}

const formatRun = (accountId: string, run: RunSummary): string =>
  `${accountId}  ${run.mode} ${isoSeconds(run.windowStart)} → ${isoSeconds(run.windowEnd)} · ${plural(run.requests, 'request')} · ${plural(run.enqueued, 'snapshot')} enqueued${run.done ? '' : ' (not finished)'}`;

const OUTCOME_NOTES: Record<string, string> = {
  busy: 'another poll run holds the account right now; nothing was done, try again in a few minutes',
  paused: 'ShipStation credentials are marked invalid; nothing was polled until the key is replaced',
  'lease-lost': 'the run lost its lease to another run, which continues from the checkpoint',
  stalled: `ShipStation kept failing (${MAX_STALLS} attempts); the run stays checkpointed and the next poll continues it`,
};

interface Session {
  w: Wiring;
  io: Required<Pick<CliIo, 'write' | 'writeError'>> & CliIo;
}

/** The accounts a command acts on: the one asked for, else all. */
function accountsFor(w: Wiring, accountId: string | undefined): Account[] {
  if (accountId === undefined) return w.accounts.list();
  const account = w.accounts.find(accountId);
  if (account === undefined) {
    throw new UsageError(`unknown account "${accountId}" (configured: ${w.accounts.list().map((a) => a.id).join(', ') || 'none'})`);
  }
  return [account];
}

/**
 * Runs one account's poll to the end: continues a run interrupted by ShipStation (after its wait) until it completes,
 * is refused (busy, paused, lease lost) or keeps failing. Returns the final status and the runs it made.
 */
async function pollToEnd(s: Session, pollAccount: PollAccount, account: Account, backfillDays: number | undefined, verb: string): Promise<{ status: string; runs: RunSummary[] }> {
  const reporter = new ProgressReporter(
    { write: s.io.writeError, tty: s.io.errorIsTty === true, columns: s.io.columns },
    account.id,
    s.w.config.shipStationRequestsPerMinute,
    verb,
  );
  const finished: RunSummary[] = [];
  let reason: 'cli' | 'continue' = 'cli';
  let stalls = 0;
  let lastRequests = -1;
  try {
    for (;;) {
      const outcome = await pollAccount(
        { accountId: account.id, reason, ...(reason === 'cli' && backfillDays !== undefined ? { backfillDays } : {}) },
        { timeLeftMs: () => Infinity, reserveMs: 0, onPage: reporter.onPage },
      );
      finished.push(...outcome.runs.filter((r) => r.done));
      const open = outcome.runs.find((r) => !r.done);
      if (outcome.status !== 'continue') return { status: outcome.status, runs: open === undefined ? finished : [...finished, open] };
      // Once the asked run has started, continue it only (a 'cli' job would start another backfill once it completes);
      // until then (an earlier run was resumed first) keep asking for it.
      if (outcome.jobStarted) reason = 'continue';
      stalls = open !== undefined && open.requests > lastRequests ? 0 : stalls + 1;
      lastRequests = open?.requests ?? lastRequests;
      if (stalls >= MAX_STALLS) return { status: 'stalled', runs: open === undefined ? finished : [...finished, open] };
      reporter.finish();
      s.io.writeError(`${account.id}  ${oneLine(outcome.reason)}; continuing in ${outcome.delaySeconds}s\n`);
      await clock.sleep(outcome.delaySeconds * 1000);
    }
  } finally {
    reporter.finish();
  }
}

/** Reports one account's poll; true when it completed. */
function reportPoll(s: Session, account: Account, result: { status: string; runs: RunSummary[] }): boolean {
  for (const run of result.runs) s.io.write(`${formatRun(account.id, run)}\n`);
  if (result.status === 'completed') {
    if (result.runs.length === 0) s.io.write(`${account.id}  nothing to poll: the cursor is already at now minus the lag\n`);
    return true;
  }
  s.io.write(`${account.id}  ${result.status}: ${OUTCOME_NOTES[result.status] ?? result.status}\n`);
  return false;
}

async function runPoll(s: Session, command: Extract<Command, { name: 'poll' | 'backfill' }>, local: boolean): Promise<number> {
  const backfillDays = command.name === 'backfill' ? command.days : undefined;
  let failed = 0;
  for (const account of accountsFor(s.w, command.account)) {
    if (command.name === 'backfill' && command.dryRun) {
      if (!(await runDryRun(s, account, command.days))) failed += 1;
      continue;
    }
    const result = await pollToEnd(s, s.w.pollAccount, account, backfillDays, 'enqueued');
    if (!reportPoll(s, account, result)) failed += 1;
  }
  if (!(command.name === 'backfill' && command.dryRun)) {
    const senders = local ? 'the local publish-events and publish-history consumers' : "the stage's publish-events and publish-history functions";
    s.io.write(`Enqueued snapshots are sent by ${senders}${command.name === 'backfill' ? ' (as backfill: no flow fires)' : ''}.\n`);
  }
  return failed === 0 ? 0 : 1;
}

/** Reads the asked days with an in-memory cursor and queues, then prints the events they imply. */
async function runDryRun(s: Session, account: Account, days: number): Promise<boolean> {
  const dry = makeDryRun({ config: s.w.config, accounts: s.w.accounts, shipStation: s.w.shipStation, clock, log: logger });
  const result = await pollToEnd(s, dry.pollAccount, account, days, 'found');
  const events = impliedEvents(dry.collected, {
    accountId: account.id,
    metricPrefix: account.metricPrefix,
    backfillAfterHours: s.w.config.backfillAfterHours,
    now: clock.now(),
    history: true,
  });
  for (const event of events) s.io.write(`${formatEventLine(event)}\n`);
  if (dry.unreadable.length > 0) s.io.write(`${account.id}  ${plural(dry.unreadable.length, 'record')} ShipStation returned could not be read (a real run dead-letters them)\n`);
  s.io.write(
    `${account.id}  ${plural(events.length, 'event')} would be sent as backfill (from ${plural(dry.collected.length, 'snapshot')} over ${plural(days, 'day')}, ` +
      `before dedupe against what the stage already sent); dry run: nothing was sent, enqueued or moved\n`,
  );
  if (result.status !== 'completed') {
    s.io.write(`${account.id}  ${result.status}: ${OUTCOME_NOTES[result.status] ?? result.status}; the list above is incomplete\n`);
    return false;
  }
  return true;
}

async function runRegisterWebhooks(s: Session, command: Extract<Command, { name: 'register-webhooks' }>, localBaseUrl: string | undefined): Promise<number> {
  const baseUrl = command.url ?? localBaseUrl;
  if (baseUrl === undefined) throw new UsageError('register-webhooks needs --url <deployed base URL>');
  let failed = 0;
  for (const account of accountsFor(s.w, command.account)) {
    const { webhooks: results, tracking } = await s.w.registerWebhooks(account.id, baseUrl);
    const ours = results.find((r) => r.status !== 'other');
    if (ours !== undefined) s.io.write(`${account.id}  → ${ours.targetUrl}\n`);
    for (const r of results) {
      const note = r.status === 'other' ? `  ${r.targetUrl} (another URL, left alone; delete it in ShipStation if it is an old deployment)` : '';
      s.io.write(`  ${r.event.padEnd(22)} ${r.status.padEnd(8)} id ${r.id}${note}\n`);
    }
    const created = results.filter((r) => r.status === 'created').length;
    const exists = results.filter((r) => r.status === 'exists').length;
    const others = results.filter((r) => r.status === 'other').length;
    s.io.write(`${account.id}  ${count(created)} created, ${count(exists)} already registered${others > 0 ? `, ${count(others)} with another URL left alone` : ''}\n`);
    if (!reportTracking(s, account.id, tracking)) failed += 1;
  }
  return failed === 0 ? 0 : 1;
}

/**
 * Prints the account's V2 tracking webhook (`track_event_v2`, or a legacy `track`; or that tracking is off); false when
 * it could not be made.
 */
function reportTracking(s: Session, accountId: string, tracking: TrackingRegistration): boolean {
  if (tracking.status === 'off') {
    s.io.write(`${accountId}  tracking off: no ShipStation V2 key (set shipStationV2.apiKey or SHIPSTATION_V2_API_KEY for tracking events)\n`);
    return true;
  }
  s.io.write(`${accountId}  tracking → ${tracking.targetUrl}\n`);
  for (const r of tracking.webhooks) {
    const note =
      r.status === 'other' ? `  ${r.targetUrl} (another URL, left alone; delete it in ShipStation if it is an old deployment)`
      : r.status === 'redundant' ? `  (the old event beside ${TRACKING_WEBHOOK_EVENT}, left alone: ${REDUNDANT_TRACK_WEBHOOK_FIX})`
      : '';
    s.io.write(`  ${`${r.event} (V2)`.padEnd(22)} ${r.status.padEnd(8)} id ${r.id}${note}\n`);
  }
  if (tracking.problem === undefined) return true;
  s.io.write(`  ${`${TRACKING_WEBHOOK_EVENT} (V2)`.padEnd(22)} ${'failed'.padEnd(8)} ${oneLine(tracking.problem.reason)}\n      fix: ${tracking.problem.fix}\n`);
  return false;
}

/** Diagnoses each account, then the queues; 1 when any account is broken. */
async function runDoctor(s: Session, command: Extract<Command, { name: 'doctor' }>): Promise<number> {
  const diagnoses: AccountDiagnosis[] = [];
  for (const account of accountsFor(s.w, command.account)) {
    let diagnosis: AccountDiagnosis;
    try {
      diagnosis = await s.w.diagnoseAccount(account.id, command.url === undefined ? {} : { webhookBaseUrl: command.url });
    } catch (error) {
      // The service's own state could not be read (DynamoDB, AWS credentials): that account cannot be vouched for.
      const detail = `could not be checked: ${oneLine(error instanceof Error ? error.message : String(error))}`;
      diagnosis = { accountId: account.id, verdict: 'broken', findings: [{ check: 'diagnosis', status: 'fail', detail, fix: 'check TABLE_NAME, the AWS credentials and region of this shell, then run doctor again' }] };
    }
    diagnoses.push(diagnosis);
    s.io.write(`${formatDiagnosis(diagnosis)}\n\n`);
  }
  try {
    const queues = await diagnoseQueues(s.w.queues);
    s.io.write(`${formatQueues(queues.depths, queues.findings)}\n\n`);
  } catch (error) {
    s.io.write(`queues: could not be read (${oneLine(error instanceof Error ? error.message : String(error))}); check the *_QUEUE_URL variables and your AWS credentials\n\n`);
  }
  s.io.write(`${formatSummary(diagnoses)}\n`);
  return diagnoses.some((d) => d.verdict === 'broken') ? 1 : 0;
}

/** The simulated shop's past for `--local`. */
const LOCAL_SHOP_HISTORY = { orders: 40, days: 14 };

interface LocalSession {
  stack: LocalStack;
  baseUrl: string;
  accepted: () => number;
}

/**
 * Starts the embedded stack for one command: no schedule (the CLI polls), no webhook deliveries (the poll alone is
 * shown), and, on the simulators, a shop with two weeks of generated history (the same one `npm start` imports).
 */
async function startLocal(io: Session['io']): Promise<LocalSession> {
  const { startLocalStack } = await import('../local/stack.js');
  let accepted = 0;
  const stack = await startLocalStack({
    consume: 'loop',
    pollIntervalSeconds: 0,
    webhookDeliveries: 0,
    shopHistory: LOCAL_SHOP_HISTORY,
    onEvent: (event) => {
      accepted += 1;
      const p = event.properties;
      const email = typeof event.profile.email === 'string' ? maskEmail(event.profile.email) : undefined;
      const phone = typeof event.profile.phone_number === 'string' ? maskPhone(event.profile.phone_number) : undefined;
      io.write(`klaviyo  ✔ ${isoSeconds(event.time ?? '')}  ${event.metric.padEnd(28)} order ${String(p.OrderNumber ?? p.OrderId ?? '?').padEnd(8)} ${email ?? phone ?? '(no contact)'}${event.backfill ? '  backfill' : ''}\n`);
    },
    onError: (error) => io.writeError(`local runtime error: ${oneLine(error instanceof Error ? error.message : String(error))}\n`),
  });
  const baseUrl = stack.webhookUrl.slice(0, stack.webhookUrl.indexOf('/webhooks/shipstation/'));
  io.writeError(`local stack: ${stack.mode === 'simulated' ? 'ShipStation and Klaviyo simulators' : 'real ShipStation and Klaviyo'}, dynalite and local SQS; endpoint ${baseUrl}\n`);
  if (stack.shipStation !== undefined) {
    io.writeError(`local stack: the simulated shop has ${LOCAL_SHOP_HISTORY.orders} orders over the last ${LOCAL_SHOP_HISTORY.days} days\n`);
  }
  return { stack, baseUrl, accepted: () => accepted };
}

/** Lets the local consumers publish what the command enqueued, then reports how much reached the Klaviyo simulator. */
async function drainLocal(io: Session['io'], local: LocalSession): Promise<void> {
  const { publishEvents, publishHistory } = local.stack.consumers;
  const deadline = Date.now() + 120_000;
  let quiet = 0;
  while (quiet < 3 && Date.now() < deadline) {
    const handed = (await publishEvents.pollOnce()) + (await publishHistory.pollOnce());
    quiet = handed === 0 ? quiet + 1 : 0;
    await clock.sleep(300);
  }
  if (local.stack.klaviyo !== undefined) io.write(`local: ${plural(local.accepted(), 'event')} reached the Klaviyo simulator\n`);
}

async function runCommand(s: Session, command: Exclude<Command, { name: 'help' }>, local: LocalSession | undefined): Promise<number> {
  switch (command.name) {
    case 'poll':
    case 'backfill': {
      const code = await runPoll(s, command, local !== undefined);
      if (local !== undefined && !(command.name === 'backfill' && command.dryRun)) await drainLocal(s.io, local);
      return code;
    }
    case 'register-webhooks':
      return runRegisterWebhooks(s, command, local?.baseUrl);
    case 'doctor':
      return runDoctor(s, command);
    case 'replay': {
      const code = await runReplay(s.w, s.io, command, (accountId) => accountsFor(s.w, accountId));
      if (local !== undefined && command.target === 'queues' && !command.dryRun) await drainLocal(s.io, local);
      return code;
    }
    case 'reconcile':
      return runReconcile(s.w.reconcileAccount, accountsFor(s.w, command.account), { days: command.sinceDays, fix: command.fix }, s.io, local === undefined ? undefined : () => drainLocal(s.io, local));
  }
}

/**
 * Runs the CLI with the arguments after the program name.
 * @returns the exit code: 0 done, 1 a runtime failure (one line on stderr), 2 bad arguments (reason and usage)
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // The one choke point of the output: nothing reaches the terminal unmasked, whichever command wrote it.
  const writeError = io.writeError ?? io.write;
  const out = { ...io, write: (text: string) => io.write(maskOutput(text)), writeError: (text: string) => writeError(maskOutput(text)) };
  const usageError = (message: string): number => {
    out.writeError(`error: ${oneLine(message)}\n\n${USAGE}`);
    return 2;
  };
  let command: Command;
  try {
    command = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message);
    throw error;
  }
  if (command.name === 'help') {
    out.write(USAGE);
    return 0;
  }
  let local: LocalSession | undefined;
  try {
    if (command.local) local = await startLocal(out);
    const session: Session = { w: await wiring(), io: out };
    return await runCommand(session, command, local);
  } catch (error) {
    if (error instanceof UsageError || error instanceof BadInputError) return usageError(error.message);
    if (error instanceof ConfigurationError && command.name === 'doctor') {
      out.write(`${formatConfigurationProblems(error)}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    const hint = error instanceof ConfigurationError ? ' (the CLI reads the same variables as the deployed functions; see `shipstation-klaviyo help`)' : '';
    out.writeError(`error: ${oneLine(message)}${hint}\n`);
    return 1;
  } finally {
    await local?.stack.close();
  }
}
