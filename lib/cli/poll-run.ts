// poll and backfill → pollAccount per account, run to the end in the operator's shell: a run ShipStation interrupted is
// continued after its wait, with a progress line on stderr; each run's window, requests and snapshots are reported.
import type { Account } from '../ports.js';
import type { PollAccount, RunSummary } from '../use-cases/poll-account.js';
import type { CommandContext } from './command.js';
import { ProgressReporter } from './progress.js';
import { isoSeconds, oneLine, plural } from './text.js';

/** Consecutive interrupted invocations (ShipStation errors after retries) before the CLI gives up on an account. */
const MAX_STALLS = 5;

/** Why a poll did not complete, for the operator. */
export const OUTCOME_NOTES: Record<string, string> = {
  busy: 'another poll run holds the account right now; nothing was done, try again in a few minutes',
  paused: 'ShipStation credentials are marked invalid; nothing was polled until the key is replaced',
  'lease-lost': 'the run lost its lease to another run, which continues from the checkpoint',
  stalled: `ShipStation kept failing (${MAX_STALLS} attempts); the run stays checkpointed and the next poll continues it`,
};

export interface PollResult {
  status: string;
  runs: RunSummary[];
}

const formatRun = (accountId: string, run: RunSummary): string =>
  `${accountId}  ${run.mode} ${isoSeconds(run.windowStart)} → ${isoSeconds(run.windowEnd)} · ${plural(run.requests, 'request')} · ${plural(run.enqueued, 'snapshot')} enqueued${run.done ? '' : ' (not finished)'}`;

/**
 * Runs one account's poll to the end: continues a run interrupted by ShipStation (after its wait) until it completes,
 * is refused (busy, paused, lease lost) or keeps failing. Returns the final status and the runs it made.
 * @param verb what the progress line says happens to snapshots: `enqueued`, or `found` for a dry run
 */
export async function pollToEnd(
  context: CommandContext,
  pollAccount: PollAccount,
  account: Account,
  backfillDays: number | undefined,
  verb: string,
): Promise<PollResult> {
  const { io, w, clock } = context;
  const reporter = new ProgressReporter(
    { write: io.writeError, tty: io.errorIsTty === true, columns: io.columns },
    account.id,
    w.config.shipStationRequestsPerMinute,
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
      io.writeError(`${account.id}  ${oneLine(outcome.reason)}; continuing in ${outcome.delaySeconds}s\n`);
      await clock.sleep(outcome.delaySeconds * 1000);
    }
  } finally {
    reporter.finish();
  }
}

/** Reports one account's poll; true when it completed. */
function reportPoll(context: CommandContext, account: Account, result: PollResult): boolean {
  const { io } = context;
  for (const run of result.runs) io.write(`${formatRun(account.id, run)}\n`);
  if (result.status === 'completed') {
    if (result.runs.length === 0) io.write(`${account.id}  nothing to poll: the cursor is already at now minus the lag\n`);
    return true;
  }
  io.write(`${account.id}  ${result.status}: ${OUTCOME_NOTES[result.status] ?? result.status}\n`);
  return false;
}

/**
 * Polls each account to the end (a backfill of `backfillDays` when given), says who sends what was enqueued, and with
 * --local lets the local consumers send it. Returns the exit code: 1 when any account's poll did not complete.
 */
export async function pollAndReport(context: CommandContext, accounts: readonly Account[], backfillDays: number | undefined): Promise<number> {
  let failed = 0;
  for (const account of accounts) {
    const result = await pollToEnd(context, context.w.pollAccount, account, backfillDays, 'enqueued');
    if (!reportPoll(context, account, result)) failed += 1;
  }
  const senders =
    context.local !== undefined ? 'the local publish-events and publish-history consumers' : "the stage's publish-events and publish-history functions";
  context.io.write(`Enqueued snapshots are sent by ${senders}${backfillDays !== undefined ? ' (as backfill: no flow fires)' : ''}.\n`);
  await context.local?.drain();
  return failed === 0 ? 0 : 1;
}
