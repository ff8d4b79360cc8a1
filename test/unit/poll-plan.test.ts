import { nextPosition, planWindow, streamsFor, type PollStream } from '../../lib/domain/poll-plan.js';
import { toPacificQueryLowerBound } from '../../lib/normalise/pacific-time.js';

const settings = { overlapMinutes: 10, lagMinutes: 2, importDays: 90 };
const orders = streamsFor('poll')[0] as PollStream;
const shipments = streamsFor('poll')[1] as PollStream;

describe('planWindow', () => {
  it('imports the configured days when the account was never polled', () => {
    // Act
    const window = planWindow({}, new Date('2026-11-25T12:00:30.500Z'), settings);

    // Assess
    expect(window).toEqual({ mode: 'import', windowStart: '2026-08-27T12:00:30.000Z', windowEnd: '2026-11-25T11:58:30.000Z' });
  });

  it('starts a scheduled window at the cursor minus the overlap and ends it the lag before now', () => {
    // Act
    const window = planWindow({ through: '2026-11-25T11:28:00.000Z' }, new Date('2026-11-25T12:00:00.000Z'), settings);

    // Assess
    expect(window).toEqual({ mode: 'poll', windowStart: '2026-11-25T11:18:00.000Z', windowEnd: '2026-11-25T11:58:00.000Z' });
  });

  it("treats a backfill as an import of the asked days that ends at the cursor (later changes are the poll's, sent live)", () => {
    // Act
    const window = planWindow({ through: '2026-11-25T11:28:00.000Z', backfillDays: 7 }, new Date('2026-11-25T12:00:00.000Z'), settings);

    // Assess
    expect(window).toEqual({ mode: 'import', windowStart: '2026-11-18T12:00:00.000Z', windowEnd: '2026-11-25T11:28:00.000Z' });
  });

  it('has nothing to backfill when the cursor is older than the days asked (the scheduled poll reads that stretch)', () => {
    // Act
    const window = planWindow({ through: '2026-11-10T00:00:00.000Z', backfillDays: 3 }, new Date('2026-11-25T12:00:00.000Z'), settings);

    // Assess
    expect(window).toBeUndefined();
  });

  it('has nothing to do when the cursor is already at now minus the lag', () => {
    // Act
    const window = planWindow({ through: '2026-11-25T12:08:00.000Z' }, new Date('2026-11-25T12:00:00.000Z'), settings);

    // Assess
    expect(window).toBeUndefined();
  });
});

describe('streamsFor', () => {
  it('reads voided labels separately only in scheduled polls (an import sees the voided flag on each label)', () => {
    // Assess
    expect(streamsFor('poll').map((s) => s.name)).toEqual(['orders', 'shipments', 'voided-shipments', 'fulfillments']);
    expect(streamsFor('import').map((s) => s.name)).toEqual(['orders', 'shipments', 'fulfillments']);
  });
});

describe('nextPosition', () => {
  const start = { from: '2026-11-01T00:00:00.000Z', page: 1 };

  it('walks pages by number and remembers the first total and the largest key', () => {
    // Act
    const second = nextPosition(orders, start, { rows: 500, page: 1, pages: 3, total: 1200, maxKey: '2026-11-02T00:00:00.000Z' });

    // Assess
    expect(second).toEqual({ from: start.from, page: 2, total: 1200, lastKey: '2026-11-02T00:00:00.000Z' });
  });

  it('is done after the last page, or at once when the window is empty', () => {
    // Assess
    expect(nextPosition(orders, { ...start, page: 3, total: 1200 }, { rows: 200, page: 3, pages: 3, total: 1200, maxKey: 'x' })).toBe('done');
    expect(nextPosition(orders, start, { rows: 0, page: 1, pages: 0, total: 0 })).toBe('done');
  });

  it('restarts from the largest key read before the page when the total shrank (rows left the window)', () => {
    // Prepare
    const onPage2 = { from: start.from, page: 2, total: 1200, lastKey: '2026-11-02T00:00:00.000Z' };

    // Act
    const next = nextPosition(orders, onPage2, { rows: 500, page: 2, pages: 3, total: 1199, maxKey: '2026-11-05T00:00:00.000Z' });

    // Assess
    expect(next).toEqual({ from: '2026-11-02T00:00:00.000Z', page: 1 });
  });

  it('ignores a shrinking total on a list whose sort key never changes', () => {
    // Act
    const next = nextPosition(shipments, { ...start, page: 2, total: 1200, lastKey: 'a' }, { rows: 500, page: 2, pages: 3, total: 1100, maxKey: 'b' });

    // Assess
    expect(next).toEqual({ from: start.from, page: 3, total: 1200, lastKey: 'b' });
  });
});

describe('toPacificQueryLowerBound', () => {
  it('formats an ordinary instant as Pacific wall-clock time', () => {
    // Assess
    expect(toPacificQueryLowerBound(new Date('2026-07-05T18:00:00Z'))).toBe('2026-07-05 11:00:00');
  });

  it('moves a bound inside the repeated fall-back hour an hour earlier, so either reading covers it', () => {
    // Prepare: 2026-11-01 01:20 PDT (08:20Z) and 01:20 PST (09:20Z) show the same wall clock.
    const firstPass = new Date('2026-11-01T08:20:00Z');
    const secondPass = new Date('2026-11-01T09:20:00Z');

    // Assess
    expect(toPacificQueryLowerBound(firstPass)).toBe('2026-11-01 00:20:00');
    expect(toPacificQueryLowerBound(secondPass)).toBe('2026-11-01 01:20:00');
  });
});
