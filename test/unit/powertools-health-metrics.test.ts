// The health metrics adapter on a real Powertools Metrics: the EMF documents it writes to stdout, which CloudWatch turns
// into one DaysUntilKeyExpiry series per account and one per service (the series KeyExpiryAlarm watches).
import { jest } from '@jest/globals';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PowertoolsHealthMetrics } from '../../lib/adapters/powertools-health-metrics.js';

interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

const SAVED = ['POWERTOOLS_METRICS_DISABLED', 'POWERTOOLS_DEV'] as const;
let saved: Record<string, string | undefined> = {};
let written: string[] = [];

beforeEach(() => {
  // The test setup turns EMF output off, and POWERTOOLS_DEV would send it to Jest's console instead of stdout.
  saved = Object.fromEntries(SAVED.map((name) => [name, process.env[name]]));
  for (const name of SAVED) delete process.env[name];
  written = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
});

afterEach(() => {
  jest.restoreAllMocks();
  for (const name of SAVED) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

/** The EMF documents written so far, one per line. */
const emfDocuments = (): EmfDocument[] =>
  written
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EmfDocument)
    .filter((doc) => doc._aws !== undefined);

describe('PowertoolsHealthMetrics', () => {
  it('writes DaysUntilKeyExpiry once per account with the account as a dimension and once with the service only', () => {
    // Prepare
    const metrics = new Metrics({ namespace: 'ShipStationKlaviyoSync', serviceName: 'shipstation-klaviyo-sync' });
    const health = new PowertoolsHealthMetrics(metrics);

    // Act
    health.daysUntilKeyExpiry('acme', 12);
    health.daysUntilKeyExpiry('bloom', -3);

    // Assess
    const docs = emfDocuments();
    expect(docs).toHaveLength(4);
    for (const doc of docs) {
      expect(doc._aws.CloudWatchMetrics).toHaveLength(1);
      expect(doc._aws.CloudWatchMetrics[0]?.Namespace).toBe('ShipStationKlaviyoSync');
      expect(doc._aws.CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: 'DaysUntilKeyExpiry', Unit: 'Count' }]);
      expect(doc.service).toBe('shipstation-klaviyo-sync');
    }
    const series = docs.map((doc) => ({ dimensions: doc._aws.CloudWatchMetrics[0]?.Dimensions, account: doc.Account, value: doc.DaysUntilKeyExpiry }));
    expect(series).toEqual([
      { dimensions: [['service', 'Account']], account: 'acme', value: 12 },
      { dimensions: [['service']], account: undefined, value: 12 },
      { dimensions: [['service', 'Account']], account: 'bloom', value: -3 },
      { dimensions: [['service']], account: undefined, value: -3 },
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
    expect(emfDocuments()).toHaveLength(2);
  });
});
