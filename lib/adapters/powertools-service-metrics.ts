// ServiceMetrics on Powertools Metrics: counts are added up during an invocation and written by flush() as EMF: one
// document with the service-wide figures, plus one per Klaviyo metric name (EventsSent by Metric), one per account
// (PollLagSeconds by Account) and one per receiver and refusal reason (WebhooksRefused by Receiver and Reason,
// WebhooksFailed by Receiver), so the dashboard can break them down without a log line per event.
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { ServiceMetrics, WebhookReceiver, WebhookRefusal } from '../ports.js';

type Counter =
  | 'EventsSent'
  | 'EventsDeduplicated'
  | 'EventsStaleSuppressed'
  | 'EventsHeld'
  | 'UnknownShipStationStatus'
  | 'KlaviyoRejected'
  | 'DeadLettered'
  | 'ShipStationThrottled'
  | 'TrackingKeysUnavailable';

export class PowertoolsServiceMetrics implements ServiceMetrics {
  private counters = new Map<Counter, number>();
  private sentByMetric = new Map<string, number>();
  private lagByAccount = new Map<string, number>();
  /** Refusals by `<receiver> <reason>`, failures by receiver: both dimensions come from fixed sets. */
  private refusals = new Map<`${WebhookReceiver} ${WebhookRefusal}`, number>();
  private failures = new Map<WebhookReceiver, number>();
  /** The largest held backlog an invocation saw (a gauge: written as is, read as Maximum). */
  private heldBacklog: number | undefined;

  constructor(
    private readonly metrics: Metrics,
    private readonly log: { warn(message: string, data: Record<string, unknown>): void },
  ) {}

  eventsSent(metric: string, count: number): void {
    this.count('EventsSent', count);
    this.sentByMetric.set(metric, (this.sentByMetric.get(metric) ?? 0) + count);
  }

  eventsDeduplicated(count: number): void {
    this.count('EventsDeduplicated', count);
  }

  staleSuppressed(count: number): void {
    this.count('EventsStaleSuppressed', count);
  }

  unknownStatus(count: number): void {
    this.count('UnknownShipStationStatus', count);
  }

  eventsHeld(count: number): void {
    this.count('EventsHeld', count);
  }

  klaviyoRejected(count: number): void {
    this.count('KlaviyoRejected', count);
  }

  deadLettered(count: number): void {
    this.count('DeadLettered', count);
  }

  shipStationThrottled(count: number): void {
    this.count('ShipStationThrottled', count);
  }

  pollLag(accountId: string, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    this.lagByAccount.set(accountId, Math.max(this.lagByAccount.get(accountId) ?? 0, Math.max(0, Math.round(seconds))));
  }

  webhookRefused(receiver: WebhookReceiver, reason: WebhookRefusal): void {
    const key = `${receiver} ${reason}` as const;
    this.refusals.set(key, (this.refusals.get(key) ?? 0) + 1);
  }

  webhookFailed(receiver: WebhookReceiver): void {
    this.failures.set(receiver, (this.failures.get(receiver) ?? 0) + 1);
  }

  heldEvents(count: number): void {
    if (Number.isFinite(count)) this.heldBacklog = Math.max(this.heldBacklog ?? 0, Math.max(0, Math.round(count)));
  }

  trackingKeysUnavailable(): void {
    this.count('TrackingKeysUnavailable', 1);
  }

  /** Never throws: metrics must not turn a handled batch into a failed one. What was recorded is cleared first. */
  flush(): void {
    const counters = this.counters;
    const sentByMetric = this.sentByMetric;
    const lagByAccount = this.lagByAccount;
    const refusals = this.refusals;
    const failures = this.failures;
    const heldBacklog = this.heldBacklog;
    this.heldBacklog = undefined;
    this.counters = new Map();
    this.sentByMetric = new Map();
    this.lagByAccount = new Map();
    this.refusals = new Map();
    this.failures = new Map();
    try {
      this.writeReceivers(refusals, failures);
      if (heldBacklog !== undefined) this.metrics.singleMetric().addMetric('HeldEvents', MetricUnit.Count, heldBacklog);
      this.write(counters, sentByMetric, lagByAccount);
    } catch (error) {
      this.log.warn('metrics not written', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private writeReceivers(refusals: Map<string, number>, failures: Map<WebhookReceiver, number>): void {
    for (const [key, count] of refusals) {
      const [receiver = '', reason = ''] = key.split(' ');
      const single = this.metrics.singleMetric();
      single.addDimension('Receiver', receiver);
      single.addDimension('Reason', reason);
      single.addMetric('WebhooksRefused', MetricUnit.Count, count);
    }
    for (const [receiver, count] of failures) {
      const single = this.metrics.singleMetric();
      single.addDimension('Receiver', receiver);
      single.addMetric('WebhooksFailed', MetricUnit.Count, count);
    }
  }

  private write(counters: Map<Counter, number>, sentByMetric: Map<string, number>, lagByAccount: Map<string, number>): void {
    for (const [metric, count] of sentByMetric) {
      const single = this.metrics.singleMetric();
      single.addDimension('Metric', metric);
      single.addMetric('EventsSent', MetricUnit.Count, count);
    }
    // One line per account in the service-wide series (the alarm reads its maximum), the account a property rather than
    // a dimension: no series per account, and Logs Insights still tells which account lags (the dashboard's table).
    for (const [accountId, seconds] of lagByAccount) {
      const single = this.metrics.singleMetric();
      single.addMetadata('Account', accountId);
      single.addMetric('PollLagSeconds', MetricUnit.Seconds, seconds);
    }
    for (const [name, count] of counters) this.metrics.addMetric(name, MetricUnit.Count, count);
    if (counters.size > 0 || lagByAccount.size > 0) this.metrics.publishStoredMetrics();
  }

  private count(name: Counter, count: number): void {
    if (count > 0) this.counters.set(name, (this.counters.get(name) ?? 0) + count);
  }
}
