// Time, so use cases and tests agree on what now is.

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}
