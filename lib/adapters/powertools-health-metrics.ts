// HealthMetrics on Powertools Metrics: each figure is emitted at once as EMF lines, once with the account as a
// dimension (one series per account for the dashboard) and once with the service only (the minimum over all accounts,
// which one alarm watches whatever accounts the document lists).
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { HealthMetrics } from '../ports.js';

export class PowertoolsHealthMetrics implements HealthMetrics {
  constructor(private readonly metrics: Metrics) {}

  daysUntilKeyExpiry(accountId: string, days: number): void {
    const perAccount = this.metrics.singleMetric();
    perAccount.addDimension('Account', accountId);
    perAccount.addMetric('DaysUntilKeyExpiry', MetricUnit.Count, days);
    this.metrics.singleMetric().addMetric('DaysUntilKeyExpiry', MetricUnit.Count, days);
  }
}
