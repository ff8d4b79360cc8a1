// The backfill's progress line: pages read / pages known per stream, what was enqueued, and an ETA from the share of
// ShipStation's rate limit the service may use. Formatting is pure; ProgressReporter turns poll pages into lines.
import { streamsOf, type PollProgress, type PollStream } from '../domain/poll-plan.js';

export interface StreamProgress {
  name: PollStream['name'];
  /** Pages read in this CLI run (a resumed run's earlier pages are not counted). */
  pagesRead: number;
  /** Page count ShipStation last reported for the stream; undefined until its first page. */
  pages?: number;
  /** Last page read (a shifting list may restart at 1). */
  page: number;
  done: boolean;
}

export interface ProgressState {
  accountId: string;
  streams: StreamProgress[];
  /** Snapshots enqueued (or, for a dry run, collected) by the run so far. */
  enqueued: number;
  requests: number;
  /** The service's share of ShipStation's limit (SHIPSTATION_REQUESTS_PER_MINUTE, 40 by default). */
  requestsPerMinute: number;
  /** What happens to snapshots: `enqueued`, or `found` for a dry run. */
  verb?: string;
}

/** Requests still to make: the known pages left, and at least one for each stream not started (then not exact). */
export function remainingRequests(streams: readonly StreamProgress[]): { requests: number; exact: boolean } {
  let requests = 0;
  let exact = true;
  for (const stream of streams) {
    if (stream.done) continue;
    if (stream.pages === undefined) {
      requests += 1;
      exact = false;
    } else {
      requests += Math.max(0, stream.pages - stream.page);
    }
  }
  return { requests, exact };
}

/** Seconds until the remaining requests are made at the rate limit. */
export function etaSeconds(state: Pick<ProgressState, 'streams' | 'requestsPerMinute'>): { seconds: number; exact: boolean } {
  const { requests, exact } = remainingRequests(state.streams);
  return { seconds: Math.ceil((requests * 60) / Math.max(1, state.requestsPerMinute)), exact };
}

/** `45s`, `3m 05s`, `2h 04m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const count = (n: number): string => n.toLocaleString('en-US');

/** `orders 3/5`: pages read of pages known (`?` before the first page; `✓` once done). */
export function formatStream(stream: StreamProgress): string {
  if (stream.done) return `${stream.name} ${stream.pagesRead}/${stream.pagesRead} ✓`;
  if (stream.pages === undefined) return `${stream.name} ${stream.pagesRead}/?`;
  return `${stream.name} ${stream.pagesRead}/${stream.pagesRead + Math.max(0, stream.pages - stream.page)}`;
}

/** The ETA part: `ETA ~45s` when every stream's pages are known, `ETA >45s` while some are not. */
export function formatEta(state: Pick<ProgressState, 'streams' | 'requestsPerMinute'>): string {
  if (state.streams.every((s) => s.done)) return 'done';
  const { seconds, exact } = etaSeconds(state);
  return `ETA ${exact ? '~' : '>'}${formatDuration(seconds)}`;
}

const BAR_WIDTH = 12;

/** `[███░░░░░░░░░]`: pages read of the pages known so far (each stream not started counts as one page). */
export function formatBar(streams: readonly StreamProgress[]): string {
  const read = streams.reduce((sum, s) => sum + s.pagesRead, 0);
  const total = read + remainingRequests(streams).requests;
  const filled = total === 0 ? BAR_WIDTH : Math.min(BAR_WIDTH, Math.floor((read / total) * BAR_WIDTH));
  return `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`;
}

/** The whole line: `default  [██████░░░░░░] orders 3/5 · shipments 0/? · … · 1,234 enqueued · 12 requests · ETA >1m 00s`. */
export function formatProgressLine(state: ProgressState): string {
  return [
    `${state.accountId}  ${formatBar(state.streams)} ${state.streams.map(formatStream).join(' · ')}`,
    `${count(state.enqueued)} ${state.verb ?? 'enqueued'}`,
    `${count(state.requests)} request${state.requests === 1 ? '' : 's'}`,
    formatEta(state),
  ].join(' · ');
}

/** The line a finished stream gets when stderr is not a terminal. */
export function formatStreamDoneLine(state: ProgressState, stream: StreamProgress): string {
  return `${state.accountId}  ${stream.name} done (${stream.pagesRead} page${stream.pagesRead === 1 ? '' : 's'}) · ${count(state.enqueued)} ${state.verb ?? 'enqueued'} · ${count(state.requests)} request${state.requests === 1 ? '' : 's'} · ${formatEta(state)}`;
}

/** What the poll reports for each page (PollProgressListener's argument). */
export interface PageEvent {
  run: PollProgress;
  stream: PollStream;
  page: number;
  pages: number;
}

/**
 * Follows one account's poll pages and writes progress: one line rewritten in place (`\r`) on a terminal, else one
 * line per finished stream. Call `finish()` when the account is done so the terminal line ends.
 */
export class ProgressReporter {
  private state: ProgressState | undefined;
  private runId: string | undefined;
  private lineOpen = false;

  constructor(
    private readonly out: { write(text: string): void; tty: boolean; columns?: number },
    private readonly accountId: string,
    private readonly requestsPerMinute: number,
    private readonly verb = 'enqueued',
  ) {}

  /** The poll's onPage listener. */
  readonly onPage = (event: PageEvent): void => {
    const { run } = event;
    if (this.state === undefined || this.runId !== run.runId) {
      this.runId = run.runId;
      this.state = {
        accountId: this.accountId,
        streams: streamsOf(run).map((s) => ({ name: s.name, pagesRead: 0, page: 0, done: false })),
        enqueued: 0,
        requests: 0,
        requestsPerMinute: this.requestsPerMinute,
        verb: this.verb,
      };
    }
    const state = this.state;
    // A resumed run starts at run.stream: the streams before it were read by an earlier invocation.
    state.enqueued = run.enqueued;
    state.requests = run.requests;
    state.streams.forEach((s, index) => {
      if (index >= run.stream || s.done) return;
      s.done = true;
      if (!this.out.tty && s.pagesRead > 0) this.out.write(`${formatStreamDoneLine(state, s)}\n`);
    });
    const stream = state.streams[run.stream];
    if (stream === undefined) return;
    stream.pagesRead += 1;
    stream.page = event.page;
    stream.pages = event.pages;
    const finished = event.page >= event.pages;
    stream.done = finished;
    if (this.out.tty) {
      const line = formatProgressLine(state);
      const width = this.out.columns;
      this.out.write(`\r${width !== undefined && width > 1 && line.length >= width ? `${line.slice(0, width - 2)}…` : line}\x1b[K`);
      this.lineOpen = true;
    } else if (finished) {
      this.out.write(`${formatStreamDoneLine(state, stream)}\n`);
    }
  };

  /** Ends the terminal line (if one was drawn). */
  finish(): void {
    if (this.lineOpen) this.out.write('\n');
    this.lineOpen = false;
  }
}
