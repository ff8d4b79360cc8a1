// What `flows install` prints per flow: a missing metric named with why this account may never get it (its
// ShipStation API), one or several; kept flows with their state.
import { formatFlowLine } from '../../lib/cli/commands/flows.js';
import { FLOW_CATALOGUE } from '../../lib/domain/klaviyo-flows.js';
import type { Account } from '../../lib/ports.js';
import type { FlowOutcome } from '../../lib/use-cases/install-flows.js';

const account = (overrides: Partial<Account> = {}): Account => ({
  id: 'acme',
  shipStationBaseUrl: 'https://ssapi.shipstation.com',
  shipStationV2BaseUrl: 'https://api.shipstation.com',
  klaviyoFingerprint: 'kl',
  shipStationFingerprint: 'v1',
  metricPrefix: 'Acme ',
  timeZone: 'America/Los_Angeles',
  defaultCountry: 'US',
  ...overrides,
});
const spec = (key: string) => {
  const found = FLOW_CATALOGUE.find((s) => s.key === key);
  if (found === undefined) throw new Error(key);
  return found;
};
const waiting = (key: string, missing: string[]): FlowOutcome => ({
  plan: { spec: spec(key), name: key, action: 'wait-for-metrics', missing },
  outcome: 'waits-for-metrics',
});

describe('formatFlowLine', () => {
  it('names one missing metric, and why a V1-only account will never have a tracking one', () => {
    expect(formatFlowLine(waiting('review-request', ['Acme Order Delivered']), account())).toBe(
      '  … Review request           waits for its metric: Acme Order Delivered (tracking needs a ShipStation V2 key, and this account has none) does not exist in Klaviyo yet',
    );
  });

  it('names several missing metrics, and why a V2-only account will never send an awaiting-payment one', () => {
    const line = formatFlowLine(
      waiting('payment-reminder', ['Acme Order Awaiting Payment', 'Acme Order Cancelled']),
      account({ shipStationFingerprint: undefined, shipStationV2Fingerprint: 'v2' }),
    );
    expect(line).toBe(
      "  … Payment reminder         waits for its metrics: Acme Order Awaiting Payment (only ShipStation's V1 API tells it, and this account has no V1 key), Acme Order Cancelled do not exist in Klaviyo yet",
    );
  });

  it('says a kept flow is never changed, and in what state it was found', () => {
    const flow = { id: 'F1', name: 'x', status: 'live', archived: false, created: '2026-12-01T00:00:00Z', updated: '2026-12-02T00:00:00Z' };
    const kept = (state: 'draft' | 'edited' | 'live'): string =>
      formatFlowLine({ plan: { spec: spec('shipping-confirmation'), name: 'x', action: 'keep', flow, state }, outcome: 'kept' }, account());
    expect(kept('live')).toBe('  = Shipping confirmation    kept (live in Klaviyo; never changed by install)');
    expect(kept('edited')).toBe('  = Shipping confirmation    kept (edited since it was made; never changed by install)');
    expect(kept('draft')).toBe('  = Shipping confirmation    kept (already there; never changed by install)');
  });
});
