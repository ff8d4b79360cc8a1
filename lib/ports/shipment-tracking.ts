// Shipment tracking: shipment records, due checks and when tracking webhooks last arrived.
import type { DueCheck, ShipmentRecord } from '../domain/shipment-tracking.js';

/**
 * Labels and fulfilments of an order as tracking needs them: who, what and where (copied from the snapshot that showed
 * the label), and how far the carrier has got. Stored in the order's partition (one item per shipment, versioned like
 * the order state) plus a pointer from the tracking number, written after the record.
 */
export interface ShipmentRecordStore {
  get(accountId: string, orderId: number, shipmentKey: string): Promise<ShipmentRecord | undefined>;
  /** Every shipment recorded for the order (for AllShipmentsDelivered). */
  listForOrder(accountId: string, orderId: number): Promise<ShipmentRecord[]>;
  /**
   * Writes the record if the stored version still equals `record.version` (nothing stored when 0).
   * @returns false when another writer got there first
   */
  put(record: ShipmentRecord): Promise<boolean>;
  /**
   * Points the shipment's (normalised) tracking number, and for a label its V2 label id (`se-<shipmentId>`), at its
   * record. Idempotent.
   */
  link(accountId: string, target: { orderId: number; shipmentKey: string; trackingNumber?: string | undefined }): Promise<void>;
  /** The shipment a tracking number points at, if its label has been seen. */
  findByTracking(accountId: string, trackingNumber: string): Promise<ShipmentRecord | undefined>;
  /** The label a V1 shipmentId (V2 label id `se-<shipmentId>`) points at, if it has been seen. */
  findByLabel(accountId: string, shipmentId: number): Promise<ShipmentRecord | undefined>;
}

/**
 * Checks due at a time (an order that may be delayed, a package that may be stalled), kept per account ordered by due
 * time so a sweep reads only what is due. Entries are hints: the sweep checks each against the current state.
 */
export interface DueCheckStore {
  /** Stores (or overwrites) the check due at `check.dueAt`. */
  schedule(check: DueCheck): Promise<void>;
  /** Up to `limit` checks of the account due at or before `until`, earliest first. */
  listDue(accountId: string, until: Date, limit: number): Promise<DueCheck[]>;
  remove(check: DueCheck): Promise<void>;
}

/** When the account last received a verified tracking webhook (`doctor`: are tracking events flowing?). */
export interface TrackingActivity {
  /** Records a receipt; cheap to call on every update (writes at most about once an hour). */
  noteReceived(accountId: string, at: Date): Promise<void>;
  lastReceived(accountId: string): Promise<Date | undefined>;
}
