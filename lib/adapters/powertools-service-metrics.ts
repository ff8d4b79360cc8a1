// ServiceMetrics on Powertools Metrics: counts are added up during an invocation and written by flush() as EMF: one
// document with the service-wide figures, plus one per Klaviyo metric name (EventsSent by Metric) and one per account
// (PollLagSeconds by Account), so the dashboard can break them down without a log line per event.
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { ServiceMetrics } from '../ports.js';

type Counter = 'EventsSent' | 'EventsDeduplicated' | 'EventsStaleSuppressed' | 'EventsHeld' | 'KlaviyoRejected' | 'ShipStationThrottled';

export class PowertoolsServiceMetrics implements ServiceMetrics {
  private counters = new Map<Counter, number>();
  private sentByMetric = new Map<string, number>();
  private lagByAccount = new Map<string, number>();

  constructor(private readonly metrics: Metrics) {}

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

  eventsHeld(count: number): void {
    this.count('EventsHeld', count);
  }

  klaviyoRejected(count: number): void {
    this.count('KlaviyoRejected', count);
  }

  shipStationThrottled(count: number): void {
    this.count('ShipStationThrottled', count);
  }

  pollLag(accountId: string, seconds: number): void {
    this.lagByAccount.set(accountId, Math.max(this.lagByAccount.get(accountId) ?? 0, Math.max(0, Math.round(seconds))));
  }

  flush(): void {
    for (const [metric, count] of this.sentByMetric) {
      const single = this.metrics.singleMetric();
      single.addDimension('Metric', metric);
      single.addMetric('EventsSent', MetricUnit.Count, count);
    }
    for (const [accountId, seconds] of this.lagByAccount) {
      const single = this.metrics.singleMetric();
      single.addDimension('Account', accountId);
      single.addMetric('PollLagSeconds', MetricUnit.Seconds, seconds);
    }
    for (const [name, count] of this.counters) this.metrics.addMetric(name, MetricUnit.Count, count);
    if (this.lagByAccount.size > 0) this.metrics.addMetric('PollLagSeconds', MetricUnit.Seconds, Math.max(...this.lagByAccount.values()));
    if (this.counters.size > 0 || this.lagByAccount.size > 0) this.metrics.publishStoredMetrics();
    this.counters = new Map();
    this.sentByMetric = new Map();
    this.lagByAccount = new Map();
  }

  private count(name: Counter, count: number): void {
    if (count > 0) this.counters.set(name, (this.counters.get(name) ?? 0) + count);
  }
}
