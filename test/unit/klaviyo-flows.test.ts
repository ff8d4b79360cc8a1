// The flow catalogue and its bodies, pure: every Create Flow and Create Template body valid against Klaviyo's official
// schemas for every flow (with and without a metric prefix), wired to the ids it is given; the plan keeps what is there
// (and says in what state), waits for missing metrics, and creates the rest; --only names catalogue flows.
import {
  createFlowBody,
  createTemplateBody,
  emailsOf,
  FLOW_CATALOGUE,
  FLOW_TAG,
  flowName,
  metricsOf,
  planFlows,
  selectFlows,
  type ExistingFlow,
} from '../../lib/domain/klaviyo-flows.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';

const ids = (prefix: string) => ({
  metric: (metric: string) => `M-${prefix}${metric}`.replace(/\W/g, ''),
  template: (message: string) => `T-${message}`,
});

describe('the catalogue', () => {
  it.each(['', 'Acme '])('builds bodies Klaviyo’s schemas accept for every flow (prefix "%s")', (prefix) => {
    for (const spec of FLOW_CATALOGUE) {
      const body = createFlowBody(spec, prefix, ids(prefix).metric, ids(prefix).template);
      expect({ flow: spec.key, errors: validateKlaviyoBody('create-flow', body) }).toEqual({ flow: spec.key, errors: [] });
      for (const message of emailsOf(spec)) {
        expect(validateKlaviyoBody('create-template', createTemplateBody(spec, message, prefix))).toEqual([]);
      }
    }
  });

  it('wires the trigger, the filters that end a flow and every template to the ids it is given', () => {
    const spec = FLOW_CATALOGUE.find((s) => s.key === 'delay-apology');
    if (spec === undefined) throw new Error('no delay apology');
    const body = createFlowBody(spec, 'Acme ', ids('Acme ').metric, ids('Acme ').template) as {
      data: {
        attributes: {
          name: string;
          definition: { triggers: { id: string }[]; profile_filter: unknown; actions: { type: string; links: unknown }[]; entry_action_id: string };
        };
      };
    };
    const { name, definition } = body.data.attributes;
    expect(name).toBe(`Acme Delay apology ${FLOW_TAG}`);
    expect(definition.triggers[0]?.id).toBe('MAcmeOrderDelayed');
    expect(JSON.stringify(definition.profile_filter)).toContain('MAcmeOrderShipped');
    expect(JSON.stringify(definition.profile_filter)).toContain('MAcmeOrderCancelled');
    expect(definition.actions.map((a) => [a.type, a.links])).toEqual([
      ['time-delay', { next: 'step-2' }],
      ['send-email', { next: null }],
    ]);
    expect(JSON.stringify(definition.actions[1])).toContain('"template_id":"T-delay-apology"');
    expect(definition.entry_action_id).toBe('step-1');
  });

  it('has unique keys and names, and every flow sends something', () => {
    expect(new Set(FLOW_CATALOGUE.map((s) => s.key)).size).toBe(FLOW_CATALOGUE.length);
    expect(new Set(FLOW_CATALOGUE.map((s) => s.title)).size).toBe(FLOW_CATALOGUE.length);
    for (const spec of FLOW_CATALOGUE) expect(spec.steps.some((step) => step.kind !== 'delay')).toBe(true);
  });
});

describe('planFlows', () => {
  const spec = (key: string) => FLOW_CATALOGUE.filter((s) => s.key === key);
  const existing = (overrides: Partial<ExistingFlow>): ExistingFlow => ({
    id: 'F1',
    name: flowName(spec('shipping-confirmation')[0]!, ''),
    status: 'draft',
    archived: false,
    created: '2026-12-01T10:00:00+00:00',
    updated: '2026-12-01T10:00:00+00:00',
    ...overrides,
  });
  const all = new Map(FLOW_CATALOGUE.flatMap(metricsOf).map((m) => [m, `id-${m}`]));

  it.each([
    [{}, 'draft'],
    [{ status: 'live' }, 'live'],
    [{ status: 'manual' }, 'manual'],
    [{ updated: '2026-12-03T08:00:00+00:00' }, 'edited'],
    [{ archived: true, status: 'live' }, 'archived'],
  ] as const)('keeps a flow that is there (%j) as %s', (overrides, state) => {
    const [item] = planFlows(spec('shipping-confirmation'), '', all, [existing(overrides)]);
    expect(item).toMatchObject({ action: 'keep', state, flow: { id: 'F1' } });
  });

  it('matches the exact name with the prefix: another prefix’s flow is not this account’s', () => {
    const [item] = planFlows(spec('shipping-confirmation'), 'Brand B ', new Map([['Brand B Order Shipped', 'x']]), [existing({})]);
    expect(item?.action).toBe('create');
  });

  it('waits for every missing metric, the ones that end the flow included, named with the prefix', () => {
    const [item] = planFlows(spec('payment-reminder'), 'Acme ', new Map([['Acme Order Awaiting Payment', 'x']]), []);
    expect(item).toMatchObject({ action: 'wait-for-metrics', missing: ['Acme Order Awaiting Shipment', 'Acme Order Cancelled'] });
  });
});

describe('selectFlows', () => {
  it('keeps catalogue order and refuses names it does not know', () => {
    const picked = selectFlows(['review-request', 'order-confirmation']);
    expect(picked.ok && picked.specs.map((s) => s.key)).toEqual(['order-confirmation', 'review-request']);
    expect(selectFlows(['review-request', 'thank-you'])).toEqual({ ok: false, unknown: ['thank-you'] });
    expect(selectFlows(undefined)).toEqual({ ok: true, specs: [...FLOW_CATALOGUE] });
  });
});
