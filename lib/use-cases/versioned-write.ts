// Read, decide, conditionally write: how every versioned item (order state, shipment record) is updated when other
// writers may race this one.
import { TransientError } from '../domain/errors.js';

const MAX_STATE_ATTEMPTS = 5;

/** Reads, decides and conditionally writes one item, retrying when another writer won the race. */
export async function writeVersioned<T extends { version: number }, R>(
  read: () => Promise<T | undefined>,
  write: (item: T) => Promise<boolean>,
  decide: (stored: T | undefined) => { write?: T; result: R },
  what: string,
  /** Runs before each write attempt (what a write makes findable must exist first: a crash between leaves nothing dangling). */
  beforeWrite?: (next: T, stored: T | undefined) => Promise<void>,
): Promise<R> {
  for (let attempt = 0; attempt < MAX_STATE_ATTEMPTS; attempt += 1) {
    const stored = await read();
    const { write: next, result } = decide(stored);
    if (next === undefined) return result;
    await beforeWrite?.(next, stored);
    if (await write({ ...next, version: stored?.version ?? 0 })) return result;
  }
  throw new TransientError(`${what} kept changing under us`);
}
