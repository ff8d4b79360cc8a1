// Metrics for the dashboard and the alarms.

/** Figures for the operators' dashboard. */
export interface HealthMetrics {
  daysUntilKeyExpiry(accountId: string, days: number): void;
}

/** The functions answering webhooks over HTTP: the `Receiver` dimension of their metrics. */
export type WebhookReceiver = 'receive-webhook' | 'receive-tracking';

/**
 * Why a receiver refused a request: the `Reason` dimension, a fixed set so the metric series stay few (never an account
 * id or free text). `unauthorized`: wrong or missing token of a configured account; `unknown-account`: the path names
 * no configured account; `bad-request`: a malformed body or an off-host resource_url; `too-large`: over the body
 * limit; tracking only: `unsigned` (a signature header missing), `timestamp` (unreadable or more than 5 minutes off),
 * `signature` (a signature that does not verify, or a key id ShipStation does not publish).
 */
export type WebhookRefusal = 'unauthorized' | 'unknown-account' | 'bad-request' | 'too-large' | 'unsigned' | 'timestamp' | 'signature';

/**
 * What the pipeline did, for the dashboard and the alarms (CloudWatch namespace ShipStationKlaviyoSync, every metric
 * with the dimension `service`; see infra/dashboard.yml and infra/alarms.yml).
 */
export interface ServiceMetrics {
  /** `EventsSent`, also per Klaviyo metric name (dimension `Metric`). */
  eventsSent(metric: string, count: number): void;
  /** `EventsDeduplicated`: events already sent (redeliveries, overlapping polls, duplicate webhooks). */
  eventsDeduplicated(count: number): void;
  /** `EventsStaleSuppressed`: snapshots older than what was processed for their order. */
  staleSuppressed(count: number): void;
  /** `UnknownShipStationStatus`: V2 records in a status the product does not know (they sent nothing). */
  unknownStatus(count: number): void;
  /** `EventsHeld`: events held while the account's Klaviyo key is refused or Klaviyo is down. */
  eventsHeld(count: number): void;
  /** `HeldEvents`: an account's held backlog after a release (a gauge; the alarm reads its Maximum). */
  heldEvents(count: number): void;
  /** `KlaviyoRejected`: events Klaviyo refused for good (each has a dead-letter record). */
  klaviyoRejected(count: number): void;
  /** `DeadLettered`: dead-letter records written (refused events, events with no contact, unreadable or oversized rows). */
  deadLettered(count: number): void;
  /** `ShipStationThrottled`: ShipStation answers of 429. */
  shipStationThrottled(count: number): void;
  /** `PollLagSeconds`: how far behind now the account's cursor is, per account (dimension `Account`) and service-wide. */
  pollLag(accountId: string, seconds: number): void;
  /** `WebhooksRefused` by `Receiver` and `Reason`: a request a receiver answered 4xx (nothing queued). */
  webhookRefused(receiver: WebhookReceiver, reason: WebhookRefusal): void;
  /** `WebhooksFailed` by `Receiver`: a request a receiver answered 5xx (nothing queued; the sender retries). */
  webhookFailed(receiver: WebhookReceiver): void;
  /** `TrackingKeysUnavailable`: a fetch of the tracking webhooks' signing key sets that gave no usable RSA key. */
  trackingKeysUnavailable(): void;
  /** Writes what was recorded (one EMF document); handlers call it once per invocation. */
  flush(): void;
}
