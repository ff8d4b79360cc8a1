// Single-table key layout. Every key starts with the account id (DESIGN §3.7). Plus the one query shape the stores
// share: counting a partition.
import { QueryCommand, type DynamoDBClient, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';

export interface ItemKey {
  pk: string;
  sk: string;
}

export const keys = {
  orderState: (accountId: string, orderId: number): ItemKey => ({ pk: `ACCOUNT#${accountId}#ORDER#${orderId}`, sk: 'STATE' }),
  event: (accountId: string, uniqueId: string): ItemKey => ({ pk: `ACCOUNT#${accountId}#EVENT#${uniqueId}`, sk: 'LEDGER' }),
  deadLetter: (accountId: string, uniqueId: string): ItemKey => ({ pk: `ACCOUNT#${accountId}#DEADLETTER`, sk: uniqueId }),
  credential: (accountId: string, service: string): ItemKey => ({ pk: `ACCOUNT#${accountId}#CREDENTIALS`, sk: service }),
  heldEvent: (accountId: string, uniqueId: string): ItemKey => ({ pk: `ACCOUNT#${accountId}#HELD`, sk: uniqueId }),
  /** A history event waiting for a full bulk request (the bulk outbox). */
  outboxEvent: (accountId: string, uniqueId: string): ItemKey => ({ pk: `ACCOUNT#${accountId}#OUTBOX`, sk: uniqueId }),
  alert: (accountId: string, alertId: string): ItemKey => ({ pk: `ACCOUNT#${accountId}#ALERTS`, sk: alertId }),
  pollCursor: (accountId: string): ItemKey => ({ pk: `ACCOUNT#${accountId}#POLL`, sk: 'CURSOR' }),
  /** In the order's partition, beside its state: one item per label or fulfilment (tracking, AllShipmentsDelivered). */
  shipment: (accountId: string, orderId: number, shipmentKey: string): ItemKey => ({
    pk: `ACCOUNT#${accountId}#ORDER#${orderId}`,
    sk: `SHIPMENT#${shipmentKey}`,
  }),
  shipmentPrefix: 'SHIPMENT#',
  /** Tracking number (normalised) → the shipment it belongs to. */
  trackingNumber: (accountId: string, trackingNumber: string): ItemKey => ({ pk: `ACCOUNT#${accountId}#TRACKING#${trackingNumber}`, sk: 'SHIPMENT' }),
  /** V1 shipmentId (V2 label id `se-<shipmentId>`) → the label's record. */
  label: (accountId: string, shipmentId: number): ItemKey => ({ pk: `ACCOUNT#${accountId}#LABEL#${shipmentId}`, sk: 'SHIPMENT' }),
  /** A carrier's services as ShipStation lists them (display names), kept for every container. */
  carrierServices: (accountId: string, carrierCode: string): ItemKey => ({ pk: `ACCOUNT#${accountId}#SERVICES`, sk: carrierCode }),
  /** Checks due later, ordered by due time (sk starts with the ISO instant). */
  dueCheck: (accountId: string, checkKey: string): ItemKey => ({ pk: `ACCOUNT#${accountId}#DUE`, sk: checkKey }),
  activity: (accountId: string, what: string): ItemKey => ({ pk: `ACCOUNT#${accountId}#ACTIVITY`, sk: what }),
  /** The one exception to the account prefix: ShipStation's limit belongs to a key pair, which two accounts may share. */
  rateBudget: (keyFingerprint: string): ItemKey => ({ pk: `SHIPSTATION_KEY#${keyFingerprint}`, sk: 'BUDGET' }),
};

/**
 * The sparse index `sent-by-hour` (infra/table.yml, lib/local/aws-stand-ins.ts): only ledger entries marked SENT carry
 * its partition key `sentHour`, `<accountId>#<YYYY-MM-DDTHH>` (UTC), sorted by `sentAt`; it projects `metric` only.
 */
export const SENT_BY_HOUR_INDEX = 'sent-by-hour';

/** The `sent-by-hour` partition of an account's events sent in the UTC hour of `at`. */
export const sentHourOf = (accountId: string, at: Date): string => `${accountId}#${at.toISOString().slice(0, 13)}`;

/** Attribute-value form of a key. */
export const keyOf = (key: ItemKey): Record<string, { S: string }> => ({ pk: { S: key.pk }, sk: { S: key.sk } });

/** Epoch seconds `days` after `now`, for the table's TTL attribute `expiresAt`. */
export const expiresAt = (now: Date, days: number): { N: string } => ({ N: String(Math.floor(now.getTime() / 1000) + days * 86_400) });

/** Items in one partition, counted page by page (a COUNT query still stops at 1 MB read). */
export async function countPartition(client: DynamoDBClient, tableName: string, pk: string): Promise<number> {
  let total = 0;
  let start: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const page: QueryCommandOutput = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        Select: 'COUNT',
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    total += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return total;
}
