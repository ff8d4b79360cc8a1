// The health metrics adapter on a real Powertools Metrics: the EMF documents it writes to stdout, which CloudWatch turns
// into one DaysUntilKeyExpiry series per account and one per service (the series KeyExpiryAlarm watches).
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PowertoolsHealthMetrics } from '../../lib/adapters/powertools-health-metrics.js';
import { captureEmf } from '../helpers/emf.js';

const emfDocuments = captureEmf();

describe('PowertoolsHealthMetrics', () => {
  it('writes DaysUntilKeyExpiry once per account in the one service-wide series, the account a property, not a dimension', () => {
    // Prepare
    const metrics = new Metrics({ namespace: 'ShipStationKlaviyoSync', serviceName: 'shipstation-klaviyo-sync' });
    const health = new PowertoolsHealthMetrics(metrics);

    // Act
    health.daysUntilKeyExpiry('acme', 12);
    health.daysUntilKeyExpiry('bloom', -3);

    // Assess
    const docs = emfDocuments();
    expect(docs).toHaveLength(2);
    for (const doc of docs) {
      expect(doc._aws.CloudWatchMetrics).toHaveLength(1);
      expect(doc._aws.CloudWatchMetrics[0]?.Namespace).toBe('ShipStationKlaviyoSync');
      expect(doc._aws.CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: 'DaysUntilKeyExpiry', Unit: 'Count' }]);
      expect(doc.service).toBe('shipstation-klaviyo-sync');
    }
    const series = docs.map((doc) => ({ dimensions: doc._aws.CloudWatchMetrics[0]?.Dimensions, account: doc.Account, value: doc.DaysUntilKeyExpiry }));
    // One service-wide series whatever the accounts (the alarm's minimum); the account is a property Logs Insights reads.
    expect(series).toEqual([
      { dimensions: [['service']], account: 'acme', value: 12 },
      { dimensions: [['service']], account: 'bloom', value: -3 },
    ]);
  });

  it('leaves nothing stored on the shared Metrics, so a later flush repeats no figure', () => {
    // Prepare
    const metrics = new Metrics({ namespace: 'ShipStationKlaviyoSync', serviceName: 'shipstation-klaviyo-sync' });
    const health = new PowertoolsHealthMetrics(metrics);

    // Act
    health.daysUntilKeyExpiry('acme', 12);

    // Assess
    expect(metrics.hasStoredMetrics()).toBe(false);
    expect(emfDocuments()).toHaveLength(1);
  });
});
