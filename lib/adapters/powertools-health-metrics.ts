// HealthMetrics on Powertools Metrics: each figure is one EMF line in the service-wide series (the minimum over all
// accounts, which one alarm watches whatever accounts the document lists), carrying the account as a property, not a
// dimension: an extra account adds no metric series (none of CloudWatch's $0.30 a month), and the dashboard's
// per-account table reads the account from these lines with Logs Insights.
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { HealthMetrics } from '../ports.js';

export class PowertoolsHealthMetrics implements HealthMetrics {
  constructor(private readonly metrics: Metrics) {}

  daysUntilKeyExpiry(accountId: string, days: number): void {
    const line = this.metrics.singleMetric();
    line.addMetadata('Account', accountId);
    line.addMetric('DaysUntilKeyExpiry', MetricUnit.Count, days);
  }
}
