// V2 shipment statuses the product does not know: their records send nothing; each is counted (UnknownShipStationStatus)
// and logged once per status and container, so a status ShipStation adds shows up without flooding the logs.
import type { ServiceMetrics } from '../ports.js';

/** Statuses this container has logged already. */
const logged = new Set<string>();

/** Counts the records in unknown statuses and logs each status the first time this container meets it. */
export function reportUnknownStatuses(
  deps: { metrics: Pick<ServiceMetrics, 'unknownStatus'>; log: { warn(message: string, data: Record<string, unknown>): void } },
  accountId: string,
  counts: Readonly<Record<string, number>> | undefined,
): void {
  for (const [status, count] of Object.entries(counts ?? {})) {
    deps.metrics.unknownStatus(count);
    if (logged.has(status)) continue;
    logged.add(status);
    deps.log.warn('shipstation V2 shipment status not known; its records send nothing', { accountId, status, records: count });
  }
}
