// poll-shipstation → pollAccount → ShipStation list pages → updates / history queues, cursor checkpointed in DynamoDB.
// The poll is the source of truth: it finds holds, cancellations, edits, Mark as Shipped and partner shipments that
// no webhook announces. It is resumable after any page and never moves the cursor past what is not durably enqueued.
import { BadInputError, LeaseLostError, ShipStationCredentialsError, TransientError } from '../domain/errors.js';
import {
  nextPosition,
  PAGE_SIZE,
  planWindow,
  streamsFor,
  streamsOf,
  type PollApis,
  type PollMode,
  type PollProgress,
  type PollSettings,
  type PollStream,
} from '../domain/poll-plan.js';
import { changedAt, inStores, type Snapshot } from '../domain/snapshot.js';
import { toPacificQuery, toPacificQueryLowerBound } from '../normalise/pacific-time.js';
import type {
  Account,
  AccountDirectory,
  Clock,
  EventLedger,
  HistoryQueue,
  ListedPage,
  PollCursor,
  PollCursorStore,
  PollJob,
  PollJobQueue,
  ServiceMetrics,
  ShipStationCredentialCheck,
  ShipStationLister,
  ShipStationV2Reader,
  UpdateQueue,
} from '../ports.js';
import {
  keyState,
  OUTAGE_RELEASE_JOBS,
  outageReleaseDelaySeconds,
  reportRejectedKey,
  reportWorkingKey,
  type CredentialHealthDeps,
} from './credential-health.js';
import { deadLetterOversized } from './dead-letter-oversized.js';
import type { ReleaseHeldEvents } from './release-held-events.js';
import type { SweepDueChecks } from './sweep-due-checks.js';
import type { AlertPollLag } from './alert-poll-lag.js';
import type { FlushOutbox } from './publish-history.js';
import { reportUnknownStatuses } from './unknown-statuses.js';

export interface PollAccountDeps extends CredentialHealthDeps {
  accounts: AccountDirectory;
  cursors: PollCursorStore;
  shipStation: ShipStationLister & ShipStationCredentialCheck;
  /** The V2 lists of accounts with a V2 key (with both keys, both are read: the same records, sent once). */
  shipStationV2: Pick<ShipStationV2Reader, 'listV2Page' | 'checkV2Credentials'>;
  updates: UpdateQueue;
  history: HistoryQueue;
  metrics: Pick<ServiceMetrics, 'pollLag' | 'deadLettered' | 'unknownStatus'>;
  /** Where unreadable rows are dead-lettered with their reason (so the cursor can move on without losing them). */
  ledger: Pick<EventLedger, 'deadLetter'>;
  clock: Clock;
  settings: PollSettings & {
    /** Changes older than this go to the history queue (bulk, backfill-flagged by age). */
    backfillAfterHours: number;
    /** How long a run may hold the account's lease before another may take over (≥ the function's timeout). */
    leaseMs: number;
  };
  newRunId: () => string;
  log: CredentialHealthDeps['log'] & { warn(message: string, data: Record<string, unknown>): void };
}

/**
 * What one invocation did for one account. `jobStarted` says whether the run the job asked for was started (or had
 * nothing to do): false when the invocation only resumed an earlier run, so the job is still to be done.
 */
export type PollOutcome = (
  | { status: 'completed'; runs: RunSummary[] }
  | { status: 'continue'; runs: RunSummary[]; delaySeconds: number; reason: string; continuation: string }
  | { status: 'busy' | 'paused' | 'lease-lost'; runs: RunSummary[] }
) & { jobStarted: boolean };

export interface RunSummary {
  mode: PollMode;
  windowStart: string;
  windowEnd: string;
  requests: number;
  enqueued: number;
  done: boolean;
}

/** Called with each page as it is enqueued (the CLI's progress bar). */
export type PollProgressListener = (progress: { run: PollProgress; stream: PollStream; pages: number; page: number }) => void;

export interface PollLimits {
  /** Time the invocation has left; the run stops, checkpointed, when less than `reserveMs` remains. */
  timeLeftMs(): number;
  reserveMs: number;
  onPage?: PollProgressListener;
}

export type PollAccount = (job: PollJob, limits: PollLimits) => Promise<PollOutcome>;

const HOUR = 3_600_000;
/** Transient failures in a row at one page before a poll job fails instead of continuing (about 5 minutes of 30 s waits). */
const MAX_FAILURES_IN_A_ROW = 10;

const DAY = 86_400_000;

/** The ShipStation query of one page: Pacific-time bounds (V1) or UTC ones (V2), oldest first, the largest page. */
export function pageQuery(stream: PollStream, run: PollProgress, account: Account): Record<string, string> {
  const { from, page } = run.position;
  if (stream.api === 'v2') {
    const start = stream.lookbackDays === undefined ? from : new Date(Date.parse(from) - stream.lookbackDays * DAY).toISOString();
    return {
      ...stream.filters,
      [`${stream.dateField}_start`]: start,
      [`${stream.dateField}_end`]: run.windowEnd,
      sort_by: stream.sortBy,
      sort_dir: 'asc',
      page_size: String(PAGE_SIZE),
      page: String(page),
    };
  }
  const query: Record<string, string> = {
    [`${stream.dateField}Start`]: toPacificQueryLowerBound(new Date(from)),
    [`${stream.dateField}End`]: toPacificQuery(new Date(run.windowEnd)),
    sortBy: stream.sortBy,
    sortDir: 'ASC',
    pageSize: String(PAGE_SIZE),
    page: String(page),
  };
  // One store: let ShipStation filter (fewer pages). Several: filter here (fulfilments have no store filter at all).
  if (account.storeIds?.length === 1 && stream.resource !== 'fulfillments') query.storeId = String(account.storeIds[0]);
  if (stream.resource === 'shipments') query.includeShipmentItems = 'true';
  return query;
}

/** The sort key of a snapshot on a stream's pages. */
const sortKey = (stream: PollStream, snapshot: Snapshot): string =>
  (stream.dateField === 'modifyDate' || stream.dateField === 'modified_at') && snapshot.kind === 'order' ? snapshot.modifiedAt : snapshot.createdAt;

/** What a run has done so far, as the outcome reports it. */
const summary = (run: PollProgress, done: boolean): RunSummary => ({
  mode: run.mode,
  windowStart: run.windowStart,
  windowEnd: run.windowEnd,
  requests: run.requests,
  enqueued: run.enqueued,
  done,
});

/**
 * Enqueues a page's snapshots of the account's stores (oversized ones dead-lettered): all of an import's as history,
 * else those older than the backfill age as history and the rest as updates.
 */
async function enqueue(deps: PollAccountDeps, account: Account, run: PollProgress, snapshots: Snapshot[]): Promise<number> {
  const { settings, clock } = deps;
  // Bigger than a queue message: dead-lettered with the reason, so the cursor can move on without losing it.
  const kept = await deadLetterOversized(
    deps,
    account.id,
    snapshots.filter((s) => inStores(s, account.storeIds)),
  );
  if (run.mode === 'import') {
    await deps.history.enqueueAll(kept.map((s) => ({ ...s, history: true as const })));
    return kept.length;
  }
  const cutoff = clock.now().getTime() - settings.backfillAfterHours * HOUR;
  const old = kept.filter((s) => Date.parse(changedAt(s)) < cutoff);
  const recent = kept.filter((s) => Date.parse(changedAt(s)) >= cutoff);
  if (old.length > 0) await deps.history.enqueueAll(old);
  if (recent.length > 0) await deps.updates.enqueueAll(recent);
  return kept.length;
}

/**
 * While one of the account's ShipStation keys is refused (or was, and has been replaced) one cheap request (V1
 * `GET /stores`, V2 `GET /v2/environment/webhooks`) decides: still refused → that API is left out of this poll, cursor
 * untouched, no alert repeated; works → the pause ends and this poll is the catch-up from the cursor.
 */
async function shipStationKeyWorks(deps: PollAccountDeps, account: Account, service: 'shipstation' | 'shipstation-v2'): Promise<boolean> {
  if ((await keyState(deps, account, service)) === 'working') return true;
  try {
    if (service === 'shipstation') await deps.shipStation.checkCredentials(account.id);
    else await deps.shipStationV2.checkV2Credentials(account.id);
  } catch (error) {
    if (error instanceof ShipStationCredentialsError) {
      await reportRejectedKey(deps, account, service, error.message);
      deps.log.warn(`poll skips the ${service} key: it is refused`, { accountId: account.id });
      return false;
    }
    if (error instanceof TransientError) {
      deps.log.warn(`poll skips the ${service} key: its refusal could not be checked again`, { accountId: account.id, reason: error.message });
      return false;
    }
    throw error;
  }
  await reportWorkingKey(deps, account, service, { queueCatchUp: false });
  return true;
}

/** The APIs this poll can read: the account's keys that are not refused (an account may have one or both). */
async function usableApis(deps: PollAccountDeps, account: Account): Promise<PollApis> {
  return {
    v1: account.shipStationFingerprint !== undefined && (await shipStationKeyWorks(deps, account, 'shipstation')),
    v2: account.shipStationV2Fingerprint !== undefined && (await shipStationKeyWorks(deps, account, 'shipstation-v2')),
  };
}

/** Dead-letters a page's unreadable rows, with their reason and the page's query, so the cursor can move on without losing them. */
async function deadLetterUnreadable(
  deps: PollAccountDeps,
  account: Account,
  stream: PollStream,
  run: PollProgress,
  unreadable: ListedPage['unreadable'],
): Promise<void> {
  const { clock } = deps;
  const ids = { accountId: account.id };
  for (const bad of unreadable) {
    await deps.ledger.deadLetter({
      accountId: account.id,
      uniqueId: `ss:${account.id}:unreadable:${stream.name}:${run.position.from}:${run.position.page}:${bad.index}`,
      metric: '(unreadable record)',
      orderId: 0,
      reason: `ShipStation ${stream.resource} page ${run.position.page} from ${run.position.from}: ${bad.reason}`,
      body: { stream: stream.name, query: pageQuery(stream, run, account) },
      at: clock.now().toISOString(),
    });
  }
  if (unreadable.length > 0) {
    deps.metrics.deadLettered(unreadable.length);
    deps.log.error('unreadable records dead-lettered', { ...ids, stream: stream.name, count: unreadable.length });
  }
}

/**
 * Polls one account: resumes the run in progress, else starts the one the job asks for (an import when the account
 * was never polled). Each page is enqueued, then the cursor is checkpointed; a run stops cleanly, to be continued,
 * when time runs short or ShipStation asks for a long wait.
 */
export function makePollAccount(deps: PollAccountDeps): PollAccount {
  const { settings, clock } = deps;

  return async (job, limits) => {
    const account = deps.accounts.find(job.accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${job.accountId}`);
    const owner = deps.newRunId();
    const runs: RunSummary[] = [];
    const ids = { accountId: account.id };
    let jobStarted = job.reason === 'continue';
    /** How far behind now the account's changes are known (the dashboard's poll lag; alarmed over an hour). */
    const reportLag = (through: string | undefined): void => {
      if (through !== undefined) deps.metrics.pollLag(account.id, (clock.now().getTime() - Date.parse(through)) / 1000);
    };
    const apis = await usableApis(deps, account);
    if (!apis.v1 && !apis.v2) {
      // A paused account falls behind: its lag keeps growing on the dashboard until the key works again.
      reportLag((await deps.cursors.get(account.id))?.through);
      return { status: 'paused', runs, jobStarted };
    }
    let leaseUntil = clock.now().getTime() + settings.leaseMs;
    const acquired = await deps.cursors.acquire(account.id, owner, new Date(leaseUntil), clock.now());
    if (acquired === undefined) {
      reportLag((await deps.cursors.get(account.id))?.through);
      deps.log.info('poll skipped: another run holds the account', ids);
      return { status: 'busy', runs, jobStarted };
    }
    const cursor: PollCursor = acquired;
    if (job.reason === 'continue' && job.continuation !== undefined && cursor.run?.continuation !== job.continuation) {
      // A newer continuation (or a scheduled job) has taken this run over: only one chain may drive it.
      deps.log.info('poll continuation superseded; nothing to do', ids);
      await deps.cursors.release(account.id, owner);
      return { status: 'busy', runs, jobStarted };
    }
    /** Checkpoints the run with a fresh continuation id, which the job continuing it must carry. */
    const handOver = async (run: PollProgress): Promise<string> => {
      run.continuation = deps.newRunId();
      await deps.cursors.save(cursor, owner);
      return run.continuation;
    };
    /** Extends the lease when half of it is spent (a long CLI backfill outlives one lease). */
    const renewLease = async (): Promise<void> => {
      if (leaseUntil - clock.now().getTime() > settings.leaseMs / 2) return;
      leaseUntil = clock.now().getTime() + settings.leaseMs;
      if ((await deps.cursors.acquire(account.id, owner, new Date(leaseUntil), clock.now())) === undefined) throw new LeaseLostError(account.id);
    };

    let wanted: PollJob | undefined = job.reason === 'continue' ? undefined : job;
    // A run that reads an API the account cannot use now (its key refused, or the account moved from V1 to V2) starts
    // again from the cursor with the APIs it has: the cursor never moves past a window some stream did not read.
    const unusable = (cursor.run === undefined ? [] : streamsOf(cursor.run)).filter((s) => !(s.api === 'v2' ? apis.v2 : apis.v1));
    if (cursor.run !== undefined && unusable.length > 0) {
      deps.log.warn('poll run restarted from the cursor: it reads an API the account cannot use now', { ...ids, streams: unusable.map((s) => s.name) });
      cursor.run = undefined;
      wanted ??= { accountId: account.id, reason: 'resume' };
      await deps.cursors.save(cursor, owner);
    }
    try {
      for (;;) {
        if (cursor.run === undefined) {
          if (wanted === undefined) break;
          const window = planWindow({ through: cursor.through, backfillDays: wanted.backfillDays }, clock.now(), {
            ...settings,
            importDays: account.importDays ?? settings.importDays,
          });
          wanted = undefined;
          jobStarted = true;
          if (window === undefined) break;
          cursor.run = {
            runId: owner,
            ...window,
            stream: 0,
            streams: streamsFor(window.mode, apis).map((s) => s.name),
            position: { from: window.windowStart, page: 1 },
            startedAt: clock.now().toISOString(),
            requests: 0,
            enqueued: 0,
          };
          await deps.cursors.save(cursor, owner);
          deps.log.info('poll run started', { ...ids, mode: window.mode, windowStart: window.windowStart, windowEnd: window.windowEnd });
        }
        const run: PollProgress = cursor.run;
        const streams = streamsOf(run);
        while (run.stream < streams.length) {
          const stream = streams[run.stream] as PollStream;
          if (limits.timeLeftMs() < limits.reserveMs) {
            runs.push(summary(run, false));
            deps.log.info('poll run paused for time; it continues in the next invocation', { ...ids, stream: stream.name, page: run.position.page });
            return { status: 'continue', runs, jobStarted, delaySeconds: 0, reason: 'time', continuation: await handOver(run) };
          }
          await renewLease();
          let page;
          try {
            const query = pageQuery(stream, run, account);
            page =
              stream.api === 'v2'
                ? await deps.shipStationV2.listV2Page(account.id, { resource: stream.resource as 'shipments' | 'labels' | 'fulfillments', query })
                : await deps.shipStation.listPage(account.id, { resource: stream.resource as 'orders' | 'shipments' | 'fulfillments', query });
          } catch (error) {
            if (error instanceof ShipStationCredentialsError) {
              // The cursor stays at the last checkpoint: the catch-up after the new key starts there.
              await reportRejectedKey(deps, account, error.service, error.message);
              runs.push(summary(run, false));
              return { status: 'paused', runs, jobStarted };
            }
            if (error instanceof TransientError) {
              run.failures = (run.failures ?? 0) + 1;
              if (run.failures > MAX_FAILURES_IN_A_ROW) {
                await deps.cursors.save(cursor, owner);
                deps.log.error('poll run keeps failing at the same page; the job fails so its DLQ shows it', {
                  ...ids,
                  stream: stream.name,
                  failures: run.failures,
                  reason: error.message,
                });
                throw error;
              }
              runs.push(summary(run, false));
              deps.log.warn('poll run interrupted; it continues later from its checkpoint', { ...ids, stream: stream.name, reason: error.message });
              return {
                status: 'continue',
                runs,
                jobStarted,
                delaySeconds: Math.max(1, error.retryAfterSeconds ?? 30),
                reason: error.message,
                continuation: await handOver(run),
              };
            }
            throw error;
          }
          run.failures = undefined;
          reportUnknownStatuses(deps, account.id, page.unknownStatuses);
          run.enqueued += await enqueue(deps, account, run, page.snapshots);
          run.requests += page.requests;
          await deadLetterUnreadable(deps, account, stream, run, page.unreadable);
          const keys = page.snapshots.map((s) => sortKey(stream, s)).sort();
          const next = nextPosition(stream, run.position, { rows: page.rows, page: page.page, pages: page.pages, total: page.total, maxKey: keys.at(-1) });
          limits.onPage?.({ run, stream, page: page.page, pages: page.pages });
          if (next === 'done') {
            run.stream += 1;
            run.position = { from: run.windowStart, page: 1 };
          } else {
            if (next.page === 1) deps.log.info('rows moved while paging; resuming from the last key read', { ...ids, stream: stream.name, from: next.from });
            run.position = next;
          }
          await deps.cursors.save(cursor, owner);
        }
        cursor.through = [cursor.through, run.windowEnd]
          .filter((t): t is string => t !== undefined)
          .sort()
          .at(-1);
        cursor.run = undefined;
        cursor.lastCompletedAt = clock.now().toISOString();
        await deps.cursors.save(cursor, owner);
        runs.push(summary(run, true));
        deps.log.info('poll run completed', { ...ids, mode: run.mode, requests: run.requests, enqueued: run.enqueued, through: cursor.through });
      }
      return { status: 'completed', runs, jobStarted };
    } catch (error) {
      if (error instanceof LeaseLostError) {
        deps.log.warn('poll run lost its lease; another run continues from the checkpoint', ids);
        return { status: 'lease-lost', runs, jobStarted };
      }
      throw error;
    } finally {
      // Every invocation reports the lag, whatever happened: a stuck account shows a growing lag, not a gap.
      reportLag(cursor.through);
      // The lease runs out by itself; a failed release must not hide what happened in the run.
      await deps.cursors.release(account.id, owner).catch((error: unknown) => {
        deps.log.warn('poll lease not released; it expires by itself', { ...ids, error: error instanceof Error ? error.message : String(error) });
      });
    }
  };
}

export type RunPollJob = (job: PollJob, limits: PollLimits) => Promise<PollOutcome>;

/**
 * A poll job as the poll-shipstation function runs it: first the account's held Klaviyo events are released (when its
 * key works again), then the account is polled. A run stopped for time or for a long ShipStation wait is
 * continued by a new job on the polls queue (delayed by the wait), so it resumes without waiting for the schedule.
 */
export function makeRunPollJob(deps: {
  pollAccount: PollAccount;
  pollJobs: PollJobQueue;
  releaseHeld: ReleaseHeldEvents;
  /** Delay and stall checks that have come due (scheduled jobs only). */
  sweepDue: SweepDueChecks;
  /** History events that have waited a whole BULK_WAIT_SECONDS for a full bulk request (scheduled jobs only). */
  flushOutbox?: FlushOutbox;
  /** Tells the operators, once, that the account's polls have stopped completing (scheduled jobs only). */
  alertPollLag?: AlertPollLag;
  /** `HeldEvents`: the account's backlog after each release. */
  metrics: Pick<ServiceMetrics, 'heldEvents'>;
  /** First delay of an outage's release jobs (OUTAGE_RETRY_SECONDS). */
  outageRetrySeconds: number;
  log: { warn(message: string, data: Record<string, unknown>): void; error(message: string, data: Record<string, unknown>): void };
}): RunPollJob {
  return async (job, limits) => {
    // Events held while the Klaviyo key was refused or Klaviyo was down go first: they are the oldest news. A failure
    // there must not stop ShipStation from being polled: what stays held is tried again by the next job.
    try {
      const released = await deps.releaseHeld(job.accountId, limits);
      deps.metrics.heldEvents(released.remaining);
      if (job.reason === 'release') {
        // An outage's own retries: release only (the schedule polls). Still failing: the next one, twice as late, up to
        // OUTAGE_RELEASE_JOBS; after those, each scheduled poll job tries again.
        const attempt = (job.attempt ?? 0) + 1;
        if (released.status === 'continue') await deps.pollJobs.enqueue([{ ...job, attempt: job.attempt ?? 0 }]);
        // (A key refused at the start waits for its replacement instead: the recovery queues the catch-up.)
        else if (released.status === 'paused' && released.keyState !== 'paused' && attempt < OUTAGE_RELEASE_JOBS) {
          await deps.pollJobs.enqueue([{ accountId: job.accountId, reason: 'release', attempt }], outageReleaseDelaySeconds(deps.outageRetrySeconds, attempt));
        }
        return { status: 'completed', runs: [], jobStarted: true };
      }
      if (released.status === 'continue') await deps.pollJobs.enqueue([{ accountId: job.accountId, reason: 'resume' }]);
    } catch (error) {
      // Whatever went wrong on the Klaviyo side (logged for the operator), the account is still polled.
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof TransientError) deps.log.warn('held events not released now; the next poll job tries again', { accountId: job.accountId, reason });
      else deps.log.error('held events could not be released; the next poll job tries again', { accountId: job.accountId, reason });
      if (job.reason === 'release') throw error; // retried by the polls queue's backoff
    }
    // A scheduled job's chores around its poll. Each failure is logged and left to the next scheduled job: the poll is
    // the source of truth and must run.
    const chore = async (run: ((accountId: string) => Promise<unknown>) | undefined, failed: string, level: 'warn' | 'error'): Promise<void> => {
      if (job.reason !== 'schedule' || run === undefined) return;
      try {
        await run(job.accountId);
      } catch (error) {
        deps.log[level](`${failed}; the next scheduled job tries again`, {
          accountId: job.accountId,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    };
    // They stay in the outbox: the flush messages try again too.
    await chore(deps.flushOutbox, 'history events waiting for a bulk request not sent now', 'warn');
    // The sweep looks only at what earlier runs enqueued, which has had time to be applied; half of the invocation at most.
    await chore(
      (accountId) => deps.sweepDue(accountId, { timeLeftMs: () => limits.timeLeftMs(), reserveMs: Math.max(limits.reserveMs, limits.timeLeftMs() / 2) }),
      'due checks could not be swept',
      'error',
    );
    let outcome: PollOutcome;
    try {
      outcome = await deps.pollAccount(job, limits);
    } finally {
      // After the poll, so a poll that just completed is never called lagging whatever the schedule; a poll that failed
      // or is still working through a backlog is. Owed, not lost, when SNS refuses: the alert ledger gave it back.
      await chore(deps.alertPollLag, 'poll lag alert not sent', 'error');
    }
    // Until the asked run has started (an earlier run was resumed first), the continuation carries the job itself.
    if (outcome.status === 'continue') {
      const next: PollJob = outcome.jobStarted ? { accountId: job.accountId, reason: 'continue', continuation: outcome.continuation } : job;
      await deps.pollJobs.enqueue([next], outcome.delaySeconds);
    }
    return outcome;
  };
}
