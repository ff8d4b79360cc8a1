// The clock of a ShipStation simulator in integration tests: parked in the past while a shop's history is built, then
// following real time.
export class ShopClock {
  private parked: Date | undefined;

  /** Parks the clock at `at` (until `release`). */
  set(at: Date): void {
    this.parked = at;
  }

  release(): void {
    this.parked = undefined;
  }

  now(): Date {
    return this.parked ?? new Date();
  }
}
