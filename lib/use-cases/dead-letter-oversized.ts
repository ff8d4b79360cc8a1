// poll-shipstation and fetch-resource → deadLetterOversized → dead-letter records. A snapshot bigger than an SQS
// message can carry is recorded with the reason, alone, so the rest of its page or webhook batch goes through.
import { changedAt, type Snapshot } from '../domain/snapshot.js';
import type { Clock, EventLedger, ServiceMetrics } from '../ports.js';

/** A snapshot must fit one SQS message (256 KB) with room for the envelope. */
export const MAX_SNAPSHOT_BYTES = 240_000;

export interface DeadLetterOversizedDeps {
  ledger: Pick<EventLedger, 'deadLetter'>;
  metrics: Pick<ServiceMetrics, 'deadLettered'>;
  clock: Clock;
  log: { error(message: string, data: Record<string, unknown>): void };
}

/**
 * Dead-letters the snapshots too large for a queue message (one record each, keyed by the record and its change, so a
 * repeat rewrites it) and returns the others, in order.
 */
export async function deadLetterOversized(deps: DeadLetterOversizedDeps, accountId: string, snapshots: Snapshot[]): Promise<Snapshot[]> {
  const encoder = new TextEncoder();
  const fits: Snapshot[] = [];
  for (const s of snapshots) {
    if (encoder.encode(JSON.stringify(s)).length <= MAX_SNAPSHOT_BYTES) {
      fits.push(s);
      continue;
    }
    await deps.ledger.deadLetter({
      accountId,
      uniqueId: `ss:${accountId}:oversized:${s.kind}:${s.orderId}:${changedAt(s)}`,
      metric: '(oversized record)',
      orderId: s.orderId,
      reason: `the ${s.kind} record is larger than an SQS message allows (${MAX_SNAPSHOT_BYTES} bytes)`,
      body: { kind: s.kind, orderId: s.orderId, orderNumber: s.orderNumber, changedAt: changedAt(s) },
      at: deps.clock.now().toISOString(),
    });
    deps.metrics.deadLettered(1);
    deps.log.error('oversized record dead-lettered', { accountId, orderId: s.orderId, kind: s.kind });
  }
  return fits;
}
