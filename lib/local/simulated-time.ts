// Simulated time for the import benchmark and the rate-limit integration tests: the service's wiring, its rate budget
// and the ShipStation simulator all read this clock, so the minutes of 40-requests-per-minute windows pass in seconds
// of host time.
import type { Clock } from '../ports.js';

/**
 * Time that stands still while any caller is busy (HTTP, DynamoDB, SQS) and, once every caller is asleep, jumps to the
 * earliest wake-up. Simulated time therefore advances only through the service's own waits (rate-budget waits,
 * Retry-After, backoff), never through the host's processing time.
 */
export class SimulatedTime implements Clock {
  private current: number;
  private busy = 0;
  private sleepers: { at: number; wake: () => void }[] = [];
  /** Total simulated milliseconds spent asleep by callers (the waits), for the report. */
  slept = 0;

  constructor(start: number) {
    this.current = start;
  }

  now(): Date {
    return new Date(this.current);
  }

  sleep(ms: number): Promise<void> {
    this.slept += ms;
    return new Promise((resolve) => {
      this.sleepers.push({ at: this.current + ms, wake: resolve });
      this.busy -= 1;
      this.advance();
    });
  }

  /** Runs one caller; time waits for it whenever it is not asleep. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.busy += 1;
    try {
      return await work();
    } finally {
      this.busy -= 1;
      this.advance();
    }
  }

  private advance(): void {
    if (this.busy > 0 || this.sleepers.length === 0) return;
    this.current = Math.max(this.current, Math.min(...this.sleepers.map((s) => s.at)));
    const due = this.sleepers.filter((s) => s.at <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.at > this.current);
    this.busy += due.length;
    for (const sleeper of due) sleeper.wake();
  }
}

/** The most requests received within any 60 s (sliding), by their recorded instants. */
export function busiestMinute(requests: { at: Date }[]): number {
  const times = requests.map((r) => r.at.getTime()).sort((a, b) => a - b);
  let busiest = 0;
  let first = 0;
  for (let last = 0; last < times.length; last += 1) {
    while ((times[last] as number) - (times[first] as number) >= 60_000) first += 1;
    busiest = Math.max(busiest, last - first + 1);
  }
  return busiest;
}
