// CLI status → reportStatus → our own AWS state only, never ShipStation or Klaviyo: each work queue's depth and its
// dead-letter queue (count, and the oldest message from a peek that hides nothing), and per account the last poll, the
// recorded key pauses and Klaviyo outage, held events, dead-letter records and the events sent in the last hour per
// metric. Two verdicts: idle (no work queue holds a message) and stuck (something an operator must act on), each
// problem with the command that deals with it. It only reads.
import { BadInputError } from '../domain/errors.js';
import { isoSeconds, plural } from '../domain/text.js';
import { mapLimit } from '../domain/map-limit.js';
import type {
  AccountDirectory,
  Clock,
  CredentialService,
  CredentialStatusStore,
  DeadLetterQueues,
  DeadLetterRecords,
  EventLedger,
  BulkOutbox,
  HeldEventStore,
  PollCursorStore,
  QueueDepth,
  QueueDepths,
} from '../ports.js';
import { recordedKeyStatuses, type RecordedKeyStatus } from './credential-health.js';

/** A work queue as `status` shows it: its depth, and the oldest message of its dead-letter queue when it holds any. */
export interface QueueStatus extends QueueDepth {
  /**
   * The oldest message seen in the DLQ: when it was sent (on SQS, to its work queue: a standard queue's DLQ keeps that
   * time), its age, and whether every message the DLQ holds was seen (else the oldest may be older still).
   */
  oldestDeadLetter?: { sentAt: string; ageSeconds: number; allSeen: boolean };
}

/** A dead-letter record as `status` samples it (no body: it may hold a customer's contact). */
export interface DeadLetterSample {
  metric: string;
  orderId: number;
  reason: string;
  at: string;
}

export interface AccountStatus {
  accountId: string;
  poll: {
    lastCompletedAt?: string;
    /** Every change up to this instant is on a queue (the cursor). */
    through?: string;
    running?: { mode: string; startedAt: string };
    /** The last completed poll is older than the threshold while polls are scheduled. */
    stale: boolean;
  };
  /** Each key the account has, with what the service recorded against it. */
  keys: RecordedKeyStatus[];
  heldEvents: number;
  /** History events waiting in the bulk outbox for a full request (not a problem: they go within BULK_WAIT_SECONDS). */
  waitingForBulk: number;
  deadLetters: { count: number; sample: DeadLetterSample[] };
  /** Events marked sent in the last hour, per metric name (as sent, prefix included). */
  sentLastHour: Record<string, number>;
  problems: string[];
}

export interface StatusReport {
  at: string;
  /** No work queue holds a visible, in-flight or delayed message. */
  idle: boolean;
  /** Something needs an operator: every problem below. */
  stuck: boolean;
  problems: string[];
  /** Whether a schedule runs the polls (else a poll's age is no problem). */
  pollsScheduled: boolean;
  pollStaleAfterMinutes: number;
  queues: QueueStatus[];
  accounts: AccountStatus[];
}

export interface ReportStatusDeps {
  accounts: Pick<AccountDirectory, 'find'>;
  queues: QueueDepths;
  deadLetterQueues: Pick<DeadLetterQueues, 'peek'>;
  credentials: Pick<CredentialStatusStore, 'status'>;
  cursors: Pick<PollCursorStore, 'get'>;
  held: Pick<HeldEventStore, 'count'>;
  outbox: Pick<BulkOutbox, 'count'>;
  ledger: Pick<EventLedger, 'countDeadLetters' | 'sentSince'>;
  deadLetterRecords: Pick<DeadLetterRecords, 'list'>;
  clock: Clock;
  /** A completed poll older than this means polls have stopped (doctor's threshold). */
  pollStaleAfterMinutes: number;
  /** False on a local stack without a schedule: its caller polls, so an old poll is expected. */
  pollsScheduled: boolean;
}

/** Accounts read at once (six DynamoDB reads each): 1,000 accounts in a few seconds, never 6,000 requests at a time. */
const STATUS_CONCURRENCY = 16;

/** The status of the queues and of these accounts (every one must be configured). */
export type ReportStatus = (accountIds: readonly string[]) => Promise<StatusReport>;

/** Dead-letter records sampled per account: the first few of the partition (it is ordered by unique_id, not by time). */
const DEAD_LETTER_SAMPLE = 3;
const HOUR_MS = 3_600_000;

/** The function that reads each queue's messages, named in a DLQ problem. */
const CONSUMER: Readonly<Record<string, string>> = {
  notifications: 'fetch-resource',
  updates: 'publish-events',
  history: 'publish-history',
  polls: 'poll-shipstation',
};

const KEY_NAME: Readonly<Record<CredentialService, string>> = { shipstation: 'ShipStation', 'shipstation-v2': 'ShipStation V2', klaviyo: 'Klaviyo' };

/** `45 s`, `12 min`, `3 h`, `2 days`. */
export function durationText(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}

/** A work queue's depth and, when its DLQ holds anything, a peek at the DLQ for its oldest message. */
async function queueStatus(deps: ReportStatusDeps, depth: QueueDepth, now: Date): Promise<QueueStatus> {
  if ((depth.deadLetters ?? 0) === 0) return depth;
  const peek = await deps.deadLetterQueues.peek(depth.queue);
  if (peek?.oldestSentAt === undefined) return depth;
  return {
    ...depth,
    oldestDeadLetter: {
      sentAt: peek.oldestSentAt,
      ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(peek.oldestSentAt)) / 1000)),
      allSeen: peek.seen >= (depth.deadLetters ?? 0),
    },
  };
}

function queueProblem(queue: QueueStatus): string | undefined {
  const held = queue.deadLetters ?? 0;
  if (held === 0) return undefined;
  const oldest = queue.oldestDeadLetter;
  const age =
    oldest === undefined
      ? ''
      : oldest.allSeen
        ? `, the oldest sent ${durationText(oldest.ageSeconds * 1000)} ago`
        : `, the oldest of those seen sent ${durationText(oldest.ageSeconds * 1000)} ago`;
  const consumer = CONSUMER[queue.queue] ?? 'its consumer';
  return (
    `${queue.queue} DLQ holds ${plural(held, 'message')}${age}: find why with \`shipstation-klaviyo doctor\` and the ${consumer} logs, fix the cause, ` +
    `then run \`shipstation-klaviyo replay queues --queue ${queue.queue}\``
  );
}

/** What needs doing for one account, one sentence each, with the command that does it. */
function accountProblems(status: Omit<AccountStatus, 'problems'>, deps: ReportStatusDeps, now: Date): string[] {
  const id = status.accountId;
  const doctor = `\`shipstation-klaviyo doctor --account ${id}\``;
  const problems: string[] = [];
  for (const key of status.keys) {
    if (key.pause?.state === 'paused') {
      const resume =
        key.service === 'klaviyo'
          ? 'its held events go out once the new key works'
          : `then \`shipstation-klaviyo poll --account ${id}\` resumes the account at once`;
      problems.push(
        `account ${id}: the ${KEY_NAME[key.service]} key is paused, refused since ${isoSeconds(key.pause.since)} (${key.pause.reason ?? 'key refused'}): ` +
          `replace it (${doctor} says how); ${resume}`,
      );
    }
    if (key.outage !== undefined) {
      problems.push(
        `account ${id}: ${KEY_NAME[key.service]} has failed past its retries since ${isoSeconds(key.outage.since)} (${key.outage.reason}), so its events are held: ` +
          `release jobs retry by themselves; ${doctor} shows the outage, and https://status.klaviyo.com whether Klaviyo is down`,
      );
    }
  }
  if (status.heldEvents > 0) {
    problems.push(
      `account ${id}: ${plural(status.heldEvents, 'event')} held: they go out, oldest first, with the next release or poll job ` +
        `once Klaviyo takes events again; ${doctor} says why they are held`,
    );
  }
  if (status.deadLetters.count > 0) {
    const n = status.deadLetters.count;
    problems.push(
      `account ${id}: ${plural(n, 'dead-letter record')} (refused by Klaviyo for good, or unsendable): ` +
        `\`shipstation-klaviyo replay records --account ${id} --dry-run\` lists them with their reasons; fix the cause, then run ` +
        `\`shipstation-klaviyo replay records --account ${id}\``,
    );
  }
  if (status.poll.stale && status.poll.lastCompletedAt !== undefined) {
    const age = durationText(now.getTime() - Date.parse(status.poll.lastCompletedAt));
    problems.push(
      `account ${id}: the last poll completed ${age} ago (over ${deps.pollStaleAfterMinutes} min), so polls have stopped: ` +
        `${doctor} says why; \`shipstation-klaviyo poll --account ${id}\` polls now`,
    );
  }
  return problems;
}

async function accountStatus(deps: ReportStatusDeps, accountId: string, now: Date): Promise<AccountStatus> {
  const account = deps.accounts.find(accountId);
  if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
  const [cursor, keys, heldEvents, waitingForBulk, deadLetterCount, sentLastHour] = await Promise.all([
    deps.cursors.get(account.id),
    recordedKeyStatuses(deps, account),
    deps.held.count(account.id),
    deps.outbox.count(account.id),
    deps.ledger.countDeadLetters(account.id),
    deps.ledger.sentSince(account.id, new Date(now.getTime() - HOUR_MS), now),
  ]);
  const sample =
    deadLetterCount === 0
      ? []
      : (await deps.deadLetterRecords.list(account.id, DEAD_LETTER_SAMPLE)).records.map((r): DeadLetterSample => ({
          metric: r.metric,
          orderId: r.orderId,
          reason: r.reason,
          at: r.at,
        }));
  const lastCompletedAt = cursor?.lastCompletedAt;
  const stale = deps.pollsScheduled && lastCompletedAt !== undefined && now.getTime() - Date.parse(lastCompletedAt) > deps.pollStaleAfterMinutes * 60_000;
  const status: Omit<AccountStatus, 'problems'> = {
    accountId: account.id,
    poll: {
      ...(lastCompletedAt === undefined ? {} : { lastCompletedAt }),
      ...(cursor?.through === undefined ? {} : { through: cursor.through }),
      ...(cursor?.run === undefined ? {} : { running: { mode: cursor.run.mode, startedAt: cursor.run.startedAt } }),
      stale,
    },
    keys,
    heldEvents,
    waitingForBulk,
    deadLetters: { count: deadLetterCount, sample },
    sentLastHour,
  };
  return { ...status, problems: accountProblems(status, deps, now) };
}

/** Builds the status report: everything read at once, nothing changed (a DLQ peek hides no message). */
export function makeReportStatus(deps: ReportStatusDeps): ReportStatus {
  return async (accountIds) => {
    const now = deps.clock.now();
    const [queues, accounts] = await Promise.all([
      deps.queues.depths().then((depths) => Promise.all(depths.map((depth) => queueStatus(deps, depth, now)))),
      mapLimit(accountIds, STATUS_CONCURRENCY, (id) => accountStatus(deps, id, now)),
    ]);
    const problems = [...queues.flatMap((queue) => queueProblem(queue) ?? []), ...accounts.flatMap((account) => account.problems)];
    return {
      at: now.toISOString(),
      idle: queues.every((q) => q.visible === 0 && q.inFlight === 0 && q.delayed === 0),
      stuck: problems.length > 0,
      problems,
      pollsScheduled: deps.pollsScheduled,
      pollStaleAfterMinutes: deps.pollStaleAfterMinutes,
      queues,
      accounts,
    };
  };
}
