// The service metrics adapter on a real Powertools Metrics: what one invocation recorded becomes, at flush, one EMF
// document of service-wide totals plus one per Klaviyo metric name and one per account, the series the dashboard and the
// alarms read.
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PowertoolsServiceMetrics } from '../../lib/adapters/powertools-service-metrics.js';
import { RecordingLogger } from '../fakes/in-memory-ports.js';
import { captureEmf, type EmfDocument } from '../helpers/emf.js';

const emfDocuments = captureEmf();

const dimensionsOf = (doc: EmfDocument): string[][] => doc._aws.CloudWatchMetrics[0]?.Dimensions ?? [];

describe('PowertoolsServiceMetrics', () => {
  it("writes the invocation's totals once at flush: service-wide, per Klaviyo metric and per account", () => {
    // Prepare
    const serviceMetrics = new PowertoolsServiceMetrics(
      new Metrics({ namespace: 'ShipStationKlaviyoSync', serviceName: 'shipstation-klaviyo-sync' }),
      new RecordingLogger(),
    );

    // Act
    serviceMetrics.eventsSent('Order Shipped', 1);
    serviceMetrics.eventsSent('Order Shipped', 1);
    serviceMetrics.eventsSent('Order Awaiting Shipment', 1);
    serviceMetrics.eventsDeduplicated(2);
    serviceMetrics.staleSuppressed(1);
    serviceMetrics.eventsHeld(0);
    serviceMetrics.klaviyoRejected(1);
    serviceMetrics.shipStationThrottled(3);
    serviceMetrics.pollLag('acme', 95.4);
    serviceMetrics.pollLag('bloom', 4000);
    const beforeFlush = emfDocuments().length;
    serviceMetrics.flush();

    // Assess
    expect(beforeFlush).toBe(0);
    const docs = emfDocuments();
    const byMetric = docs.filter((d) => dimensionsOf(d).some((set) => set.includes('Metric')));
    expect(byMetric.map((d) => [d.Metric, d.EventsSent])).toEqual([
      ['Order Shipped', 2],
      ['Order Awaiting Shipment', 1],
    ]);
    // Lag: one line per account in the service-wide series, the account a property (no series per account).
    expect(docs.some((d) => dimensionsOf(d).some((set) => set.includes('Account')))).toBe(false);
    const lag = docs.filter((d) => d.Account !== undefined);
    expect(lag.map((d) => [d.Account, d.PollLagSeconds, dimensionsOf(d)])).toEqual([
      ['acme', 95, [['service']]],
      ['bloom', 4000, [['service']]],
    ]);
    const serviceWide = docs.filter((d) => d.Account === undefined && dimensionsOf(d).every((set) => set.length === 1 && set[0] === 'service'));
    expect(serviceWide).toHaveLength(1);
    expect(serviceWide[0]).toMatchObject({
      service: 'shipstation-klaviyo-sync',
      EventsSent: 3,
      EventsDeduplicated: 2,
      EventsStaleSuppressed: 1,
      KlaviyoRejected: 1,
      ShipStationThrottled: 3,
    });
    expect(serviceWide[0]).not.toHaveProperty('PollLagSeconds');
    expect(serviceWide[0]).not.toHaveProperty('EventsHeld');
    for (const doc of docs) expect(doc._aws.CloudWatchMetrics[0]?.Namespace).toBe('ShipStationKlaviyoSync');
  });

  it("writes refused webhooks by receiver and reason, failed ones by receiver, and unreadable signing keys service-wide, the series the receivers' alarms read", () => {
    // Prepare
    const serviceMetrics = new PowertoolsServiceMetrics(
      new Metrics({ namespace: 'ShipStationKlaviyoSync', serviceName: 'shipstation-klaviyo-sync' }),
      new RecordingLogger(),
    );

    // Act
    serviceMetrics.webhookRefused('receive-tracking', 'signature');
    serviceMetrics.webhookRefused('receive-tracking', 'signature');
    serviceMetrics.webhookRefused('receive-webhook', 'unauthorized');
    serviceMetrics.webhookFailed('receive-tracking');
    serviceMetrics.trackingKeysUnavailable();
    serviceMetrics.flush();

    // Assess
    const docs = emfDocuments();
    const refused = docs.filter((d) => d.WebhooksRefused !== undefined);
    expect(refused.map((d) => [d.Receiver, d.Reason, d.WebhooksRefused, dimensionsOf(d)])).toEqual([
      ['receive-tracking', 'signature', 2, [['service', 'Receiver', 'Reason']]],
      ['receive-webhook', 'unauthorized', 1, [['service', 'Receiver', 'Reason']]],
    ]);
    const failed = docs.filter((d) => d.WebhooksFailed !== undefined);
    expect(failed.map((d) => [d.Receiver, d.WebhooksFailed, dimensionsOf(d)])).toEqual([['receive-tracking', 1, [['service', 'Receiver']]]]);
    const serviceWide = docs.filter((d) => dimensionsOf(d).every((set) => set.length === 1 && set[0] === 'service'));
    expect(serviceWide).toHaveLength(1);
    expect(serviceWide[0]).toMatchObject({ service: 'shipstation-klaviyo-sync', TrackingKeysUnavailable: 1 });
  });

  it('writes nothing for an invocation that recorded nothing, and starts each invocation from zero', () => {
    // Prepare
    const serviceMetrics = new PowertoolsServiceMetrics(
      new Metrics({ namespace: 'ShipStationKlaviyoSync', serviceName: 'shipstation-klaviyo-sync' }),
      new RecordingLogger(),
    );
    serviceMetrics.eventsDeduplicated(5);
    serviceMetrics.flush();
    const afterFirst = emfDocuments().length;

    // Act
    serviceMetrics.flush();
    serviceMetrics.eventsDeduplicated(1);
    serviceMetrics.flush();

    // Assess
    const docs = emfDocuments();
    expect(afterFirst).toBe(1);
    expect(docs).toHaveLength(2);
    expect(docs[1]?.EventsDeduplicated).toBe(1);
  });

  it('never throws from flush: a metric Powertools refuses is logged and the next invocation starts clean', () => {
    // Prepare
    const log = new RecordingLogger();
    const metrics = new Metrics({ namespace: 'ShipStationKlaviyoSync', serviceName: 'shipstation-klaviyo-sync' });
    const serviceMetrics = new PowertoolsServiceMetrics(metrics, log);
    metrics.addMetric = (): Metrics => {
      throw new RangeError('invalid metric value');
    };
    serviceMetrics.eventsDeduplicated(1);
    serviceMetrics.pollLag('acme', Number.NaN);

    // Act
    const flush = (): void => serviceMetrics.flush();

    // Assess
    expect(flush).not.toThrow();
    expect(log.messages('warn')).toEqual(['metrics not written']);
    expect(flush).not.toThrow();
    expect(log.messages('warn')).toEqual(['metrics not written']);
  });
});
