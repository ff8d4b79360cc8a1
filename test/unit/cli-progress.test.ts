// The backfill progress line: pages per stream, what was enqueued, an ETA from the rate limit; redrawn on a terminal,
// one line per finished stream otherwise.
import { etaSeconds, formatDuration, formatProgressLine, ProgressReporter, type PageEvent, type ProgressState } from '../../lib/cli/progress.js';
import { streamsFor, type PollProgress, type PollStream } from '../../lib/domain/poll-plan.js';

const state = (overrides: Partial<ProgressState> = {}): ProgressState => ({
  accountId: 'acme',
  streams: [
    { name: 'orders', pagesRead: 3, page: 3, pages: 5, done: false },
    { name: 'shipments', pagesRead: 0, page: 0, done: false },
    { name: 'fulfillments', pagesRead: 0, page: 0, done: false },
  ],
  enqueued: 1234,
  requests: 3,
  requestsPerMinute: 40,
  ...overrides,
});

describe('formatProgressLine', () => {
  it('shows a bar, pages read of pages known, what was enqueued and a lower-bound ETA while streams are unknown', () => {
    // Act
    const line = formatProgressLine(state());

    // Assess: 2 pages left + at least 1 per unstarted stream = 4 requests at 40/min
    expect(line).toBe('acme  [█████░░░░░░░] orders 3/5 · shipments 0/? · fulfillments 0/? · 1,234 enqueued · 3 requests · ETA >6s');
  });

  it('gives an estimate once every stream has reported its pages', () => {
    // Prepare
    const known = state({
      streams: [
        { name: 'orders', pagesRead: 120, page: 120, pages: 120, done: true },
        { name: 'shipments', pagesRead: 10, page: 10, pages: 90, done: false },
        { name: 'fulfillments', pagesRead: 0, page: 0, pages: 41, done: false },
      ],
      enqueued: 65_000,
      requests: 131,
      verb: 'found',
    });

    // Act
    const line = formatProgressLine(known);

    // Assess: 80 + 41 = 121 requests at 40/min
    expect(line).toBe('acme  [██████░░░░░░] orders 120/120 ✓ · shipments 10/90 · fulfillments 0/41 · 65,000 found · 131 requests · ETA ~3m 02s');
  });

  it('derives the ETA from the configured share of the rate limit', () => {
    // Act
    const eta = etaSeconds(state({ requestsPerMinute: 10 }));

    // Assess
    expect(eta).toEqual({ seconds: 24, exact: false });
  });

  it('says done when every stream is', () => {
    // Prepare
    const finished = state({ streams: [{ name: 'orders', pagesRead: 1, page: 1, pages: 1, done: true }], requests: 1 });

    // Act
    const line = formatProgressLine(finished);

    // Assess
    expect(line).toBe('acme  [████████████] orders 1/1 ✓ · 1,234 enqueued · 1 request · done');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [65, '1m 05s'],
    [3600, '1h 00m'],
    [7_440, '2h 04m'],
  ])('formats %s seconds as %s', (seconds, text) => {
    // Act
    const formatted = formatDuration(seconds);

    // Assess
    expect(formatted).toBe(text);
  });
});

describe('ProgressReporter', () => {
  const streams = streamsFor('import');
  const run = (stream: number, requests: number, enqueued: number): PollProgress => ({
    runId: 'run-1',
    mode: 'import',
    windowStart: '2026-07-01T00:00:00.000Z',
    windowEnd: '2026-07-04T00:00:00.000Z',
    stream,
    position: { from: '2026-07-01T00:00:00.000Z', page: 1 },
    startedAt: '2026-07-04T00:00:00.000Z',
    requests,
    enqueued,
  });
  const page = (stream: number, pageNumber: number, pages: number, requests: number, enqueued: number): PageEvent => ({
    run: run(stream, requests, enqueued),
    stream: streams[stream] as PollStream,
    page: pageNumber,
    pages,
  });

  it('redraws one line in place on a terminal and ends it when finished', () => {
    // Prepare
    const written: string[] = [];
    const reporter = new ProgressReporter({ write: (t) => written.push(t), tty: true }, 'acme', 40);

    // Act
    reporter.onPage(page(0, 1, 2, 1, 500));
    reporter.onPage(page(0, 2, 2, 2, 900));
    reporter.finish();

    // Assess
    expect(written).toEqual([
      '\racme  [███░░░░░░░░░] orders 1/2 · shipments 0/? · fulfillments 0/? · 500 enqueued · 1 request · ETA >5s\x1b[K',
      '\racme  [██████░░░░░░] orders 2/2 ✓ · shipments 0/? · fulfillments 0/? · 900 enqueued · 2 requests · ETA >3s\x1b[K',
      '\n',
    ]);
  });

  it('writes one line per finished stream when not on a terminal', () => {
    // Prepare
    const written: string[] = [];
    const reporter = new ProgressReporter({ write: (t) => written.push(t), tty: false }, 'acme', 40);

    // Act
    reporter.onPage(page(0, 1, 2, 1, 500));
    reporter.onPage(page(0, 2, 2, 2, 900));
    reporter.onPage(page(1, 1, 1, 3, 950));
    reporter.finish();

    // Assess
    expect(written).toEqual([
      'acme  orders done (2 pages) · 900 enqueued · 2 requests · ETA >3s\n',
      'acme  shipments done (1 page) · 950 enqueued · 3 requests · ETA >2s\n',
    ]);
  });

  it('counts the streams a resumed run had already read as done', () => {
    // Prepare
    const written: string[] = [];
    const reporter = new ProgressReporter({ write: (t) => written.push(t), tty: true }, 'acme', 40);

    // Act
    reporter.onPage(page(2, 1, 3, 40, 8000));

    // Assess
    expect(written[0]).toBe('\racme  [████░░░░░░░░] orders 0/0 ✓ · shipments 0/0 ✓ · fulfillments 1/3 · 8,000 enqueued · 40 requests · ETA ~3s\x1b[K');
  });

  it('keeps the line within the terminal width', () => {
    // Prepare
    const written: string[] = [];
    const reporter = new ProgressReporter({ write: (t) => written.push(t), tty: true, columns: 40 }, 'acme', 40);

    // Act
    reporter.onPage(page(0, 1, 2, 1, 500));

    // Assess: one column left free, so the terminal never wraps
    expect(written[0]).toBe('\racme  [███░░░░░░░░░] orders 1/2 · ship…\x1b[K');
    expect(written[0]?.slice('\r'.length, -'\x1b[K'.length)).toHaveLength(39);
  });
});
