// Simulated time shared by concurrent callers and the simulators, so minutes of rate-limit windows pass in seconds.
import type { Clock } from '../../lib/ports.js';

/**
 * Simulated time for many concurrent callers: it stands still while any caller is busy (HTTP, DynamoDB) and, once every
 * caller is asleep, jumps to the earliest wake-up. So a granted request reaches the simulator at the instant it was
 * granted, as it would within milliseconds in real life, and ten minutes of rate-limit windows pass in seconds.
 */
export class SimulatedTime implements Clock {
  private current: number;
  private busy = 0;
  private sleepers: { at: number; wake: () => void }[] = [];

  constructor(start: number) {
    this.current = start;
  }

  now(): Date {
    return new Date(this.current);
  }

  sleep(ms: number): Promise<void> {
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

/** The most requests the simulator received within any 60 s. */
export function busiestMinute(requests: { at: Date }[]): number {
  const times = requests.map((r) => r.at.getTime()).sort((a, b) => a - b);
  return Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + 60_000).length));
}
