// The poll's plan (pure): which ShipStation lists a run reads, over which window, and how a run walks their pages so
// that it can stop after any page and resume there, with no gap, even while rows move between pages.
import * as z from './zod.js';

/** `poll`: the scheduled catch-all; `import`: the first run of a new account and `backfill` runs (events flagged backfill). */
export const POLL_MODES = ['poll', 'import'] as const;
export type PollMode = (typeof POLL_MODES)[number];

/**
 * One list a run reads. Orders are sorted by modifyDate, which changes while we page (an edited order leaves the window
 * and the rows after it move up a page); shipments and fulfilments are sorted by createDate, which never changes, and
 * their void dates only ever move out of the future into the window's past, so those lists are stable.
 */
export interface PollStream {
  name: 'orders' | 'shipments' | 'voided-shipments' | 'fulfillments' | 'v2-shipments' | 'v2-labels' | 'v2-voided-labels' | 'v2-fulfillments';
  /** Which API the stream reads: V1 (Pacific-time filters, camelCase) or V2 (UTC filters with offsets, snake_case). */
  api?: 'v2';
  /** The list endpoint (V2's `shipments` are V1's orders, its `labels` V1's shipments). */
  resource: 'orders' | 'shipments' | 'fulfillments' | 'labels';
  /** The date filter: `<field>Start` / `<field>End` (V1), `<field>_start` / `<field>_end` (V2). */
  dateField: 'modifyDate' | 'createDate' | 'voidDate' | 'modified_at' | 'created_at';
  sortBy: 'ModifyDate' | 'CreateDate' | 'modified_at' | 'created_at';
  /** Rows can leave the window while we page (so a shrinking total forces a restart from the last key). */
  shifting: boolean;
  /** V2 voided labels: V2 filters labels by creation only, so voids are looked for among labels this many days old. */
  lookbackDays?: number;
  /** Extra filters of the stream (V2 `label_status=voided`). */
  filters?: Readonly<Record<string, string>>;
}

/**
 * How far back the V2 poll looks for voided labels: V2 lists labels by `created_at` only (no void-date filter in the
 * spec), so each poll lists the voided labels created in the last 30 days; a label voided later than that after its
 * creation is not announced as voided (its carrier refund window is shorter).
 */
export const V2_VOID_LOOKBACK_DAYS = 30;

const STREAMS: Record<PollStream['name'], PollStream> = {
  orders: { name: 'orders', resource: 'orders', dateField: 'modifyDate', sortBy: 'ModifyDate', shifting: true },
  shipments: { name: 'shipments', resource: 'shipments', dateField: 'createDate', sortBy: 'CreateDate', shifting: false },
  'voided-shipments': { name: 'voided-shipments', resource: 'shipments', dateField: 'voidDate', sortBy: 'CreateDate', shifting: false },
  fulfillments: { name: 'fulfillments', resource: 'fulfillments', dateField: 'createDate', sortBy: 'CreateDate', shifting: false },
  'v2-shipments': { name: 'v2-shipments', api: 'v2', resource: 'shipments', dateField: 'modified_at', sortBy: 'modified_at', shifting: true },
  'v2-labels': { name: 'v2-labels', api: 'v2', resource: 'labels', dateField: 'created_at', sortBy: 'created_at', shifting: false },
  'v2-voided-labels': {
    name: 'v2-voided-labels',
    api: 'v2',
    resource: 'labels',
    dateField: 'created_at',
    sortBy: 'created_at',
    shifting: false,
    lookbackDays: V2_VOID_LOOKBACK_DAYS,
    filters: { label_status: 'voided' },
  },
  'v2-fulfillments': { name: 'v2-fulfillments', api: 'v2', resource: 'fulfillments', dateField: 'created_at', sortBy: 'created_at', shifting: false },
};

/** Which ShipStation APIs a run reads: the account's keys that work now. */
export interface PollApis {
  v1: boolean;
  v2: boolean;
}

/**
 * Streams of a run, orders first (a label's event reads the order's total from its state): V1's, then V2's, for the
 * APIs given (an account with both keys reads both; the same records under the same ids are sent once). An import
 * lists every label created in the window with its `voided` flag, so a separate pass over voids would only repeat it.
 */
export function streamsFor(mode: PollMode, apis: PollApis = { v1: true, v2: false }): PollStream[] {
  const v1 =
    mode === 'import'
      ? [STREAMS.orders, STREAMS.shipments, STREAMS.fulfillments]
      : [STREAMS.orders, STREAMS.shipments, STREAMS['voided-shipments'], STREAMS.fulfillments];
  const v2 =
    mode === 'import'
      ? [STREAMS['v2-shipments'], STREAMS['v2-labels'], STREAMS['v2-fulfillments']]
      : [STREAMS['v2-shipments'], STREAMS['v2-labels'], STREAMS['v2-voided-labels'], STREAMS['v2-fulfillments']];
  // Orders of both APIs before any label, so a label finds its order applied.
  const orders = [...(apis.v1 ? v1.slice(0, 1) : []), ...(apis.v2 ? v2.slice(0, 1) : [])];
  return [...orders, ...(apis.v1 ? v1.slice(1) : []), ...(apis.v2 ? v2.slice(1) : [])];
}

/** The streams of a run in progress: those it started with (older runs, which did not record them, read V1 only). */
export function streamsOf(run: Pick<PollProgress, 'mode' | 'streams'>): PollStream[] {
  if (run.streams === undefined) return streamsFor(run.mode);
  return run.streams.filter((name): name is PollStream['name'] => Object.hasOwn(STREAMS, name)).map((name) => STREAMS[name]);
}

/** ShipStation's largest page. */
export const PAGE_SIZE = 500;

export const pollPositionSchema = z.object({
  /** Lower bound of the date filter in use (UTC ISO): the window start, or the last key before a restart. */
  from: z.string(),
  page: z.number().check(z.int(), z.gte(1)),
  /** `total` the first page after `from` reported; a smaller total later means rows left the window. */
  total: z.optional(z.number().check(z.int(), z.gte(0))),
  /** Largest sort key seen on the pages read since `from` (UTC ISO), where a restart resumes. */
  lastKey: z.optional(z.string()),
});
export type PollPosition = z.infer<typeof pollPositionSchema>;

export const pollProgressSchema = z.object({
  runId: z.string(),
  mode: z.enum(POLL_MODES),
  windowStart: z.string(),
  windowEnd: z.string(),
  /** Index into the run's streams (streamsOf); streams before it are done. */
  stream: z.number().check(z.int(), z.gte(0)),
  /** The streams the run reads, fixed when it starts (the APIs of the account then); absent in older runs: V1's. */
  streams: z.optional(z.array(z.string())),
  position: pollPositionSchema,
  startedAt: z.string(),
  requests: z.number().check(z.int(), z.gte(0)),
  enqueued: z.number().check(z.int(), z.gte(0)),
  /** The one continuation job allowed to resume this run; older ones find another id and stop (no parallel chains). */
  continuation: z.optional(z.string()),
  /** Transient failures in a row at the current position; past a limit the job fails, so the DLQ and alarms see it. */
  failures: z.optional(z.number().check(z.int(), z.gte(0))),
});
export type PollProgress = z.infer<typeof pollProgressSchema>;

export interface PollSettings {
  /** How far before the cursor each window starts again (late-visible writes, clock skew). */
  overlapMinutes: number;
  /** How far behind now each window ends (writes still settling at ShipStation). */
  lagMinutes: number;
  /** Days a first run imports. */
  importDays: number;
}

const MINUTE = 60_000;

/** Drops milliseconds: ShipStation's date filters have whole seconds. */
export const toWholeSecond = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString();

/**
 * The window of a new run: from the cursor minus the overlap (or `importDays` back for a first run or a backfill) to
 * now minus the lag, in whole seconds. Undefined when the window would be empty (polled moments ago).
 */
export function planWindow(
  request: { through?: string; backfillDays?: number },
  now: Date,
  settings: PollSettings,
): { mode: PollMode; windowStart: string; windowEnd: string } | undefined {
  // A backfill re-reads history only: it ends at the cursor, so what came after is left to the scheduled poll (sent
  // live, not as backfill) and the cursor never jumps over a stretch no run has read.
  const live = now.getTime() - settings.lagMinutes * MINUTE;
  const end = request.backfillDays !== undefined && request.through !== undefined ? Math.min(live, Date.parse(request.through)) : live;
  const importing = request.backfillDays !== undefined || request.through === undefined;
  const start = importing
    ? now.getTime() - (request.backfillDays ?? settings.importDays) * 1_440 * MINUTE
    : Date.parse(request.through as string) - settings.overlapMinutes * MINUTE;
  if (start >= end) return undefined;
  return { mode: importing ? 'import' : 'poll', windowStart: toWholeSecond(start), windowEnd: toWholeSecond(end) };
}

/** What one page told us, as the walk needs it. */
export interface PageSeen {
  rows: number;
  page: number;
  pages: number;
  total: number;
  /** Largest sort key on the page (UTC ISO), when any row was readable. */
  maxKey?: string;
}

/**
 * Where a stream goes after a page: the next page, a restart, or done. For a shifting stream, a total smaller than
 * the first page's means rows left the window before this page was served, so rows may have slid onto pages already
 * read: the walk restarts from the largest key read before this page (everything below it was seen in one consistent
 * pass), and the rows of this page are simply read again. Otherwise pages are walked by number, the fewest requests.
 */
export function nextPosition(stream: PollStream, position: PollPosition, seen: PageSeen): PollPosition | 'done' {
  const shrank = stream.shifting && position.total !== undefined && seen.total < position.total;
  if (shrank) {
    return { from: position.lastKey ?? position.from, page: 1 };
  }
  if (seen.page >= seen.pages || seen.rows === 0) return 'done';
  const lastKey = [position.lastKey, seen.maxKey]
    .filter((k): k is string => k !== undefined)
    .sort()
    .at(-1);
  return { from: position.from, page: seen.page + 1, total: position.total ?? seen.total, lastKey };
}

/** A request to poll one account, on the polls queue (scheduled fan-out, continuation, CLI). */
export const pollJobSchema = z.object({
  accountId: z.string().check(z.minLength(1)),
  /** Days to re-import with backfill; absent for the scheduled poll. */
  backfillDays: z.optional(z.number().check(z.int(), z.gte(1), z.lte(3650))),
  /** `release`: only send the account's held events (an outage's own retries); every other job polls too. */
  reason: z.enum(['schedule', 'continue', 'cli', 'resume', 'release']),
  /** For `release`: which of the outage's release jobs this is (0-based); each waits twice as long as the last. */
  attempt: z.optional(z.number().check(z.int(), z.gte(0), z.lte(100))),
  /** For `continue`: the id the run expects (see PollProgress.continuation). */
  continuation: z.optional(z.string()),
});
export type PollJob = z.infer<typeof pollJobSchema>;
