// The ready-made flows `flows install` puts in a merchant's Klaviyo: what each one is (its trigger metric, filters,
// delays and messages), the Create Template and Create Flow bodies that make it (Klaviyo revision 2026-07-15), and the
// plan: which flows to create, which are already there, which wait for their metric. Pure: the use case reads Klaviyo
// and sends what this builds.
import { FLOW_EMAILS, FLOW_SMS, type FlowMessageKey, type FlowSmsKey } from './flow-messages.js';

/**
 * Marks every flow this product made, at the end of its name: Create Flow takes no tags, and Get Flows can filter on a
 * name's end, so the flows are found again by name and this tag. A flow the merchant renames without it is no longer
 * ours: the next install creates a fresh draft beside it.
 */
export const FLOW_TAG = '[shipstation-klaviyo-sync]';

/** A step of a flow, in order: a wait, an email (its template is created with the flow) or an SMS. */
export type FlowStep =
  | { kind: 'delay'; unit: 'days' | 'hours'; value: number }
  | { kind: 'email'; message: FlowMessageKey; smartSending: boolean }
  | { kind: 'sms'; message: FlowSmsKey };

export interface FlowSpec {
  /** What `--only` names: `shipping-confirmation`. */
  key: string;
  /** The flow's name in Klaviyo, before the account's metric prefix and the tag. */
  title: string;
  /** The metric that starts it (without the account's prefix). */
  trigger: string;
  /** Only events whose property equals this start it (`AllShipmentsDelivered` = true). */
  triggerFilter?: { property: string; equals: boolean };
  /**
   * The flow ends for a profile that has any of these metrics since it entered (a flow filter Klaviyo checks before
   * every step): a delay apology ends when the order ships, a review request when the customer orders again.
   */
  endsOn?: readonly string[];
  /** A profile enters again only this many days after its last entry (default: every event starts it). */
  reentryDays?: number;
  steps: readonly FlowStep[];
  /** One line for the plan and the docs. */
  purpose: string;
}

const email = (message: FlowMessageKey, smartSending = false): FlowStep => ({ kind: 'email', message, smartSending });

/**
 * The flows, in install order. Order updates (confirmation, shipping, delivery help, delays) switch Smart Sending off,
 * so a second package the same day still gets its message; the marketing ones (review, win-back, re-engagement) keep
 * it on. None is marked transactional: Klaviyo approves that per flow, on the merchant's request.
 */
export const FLOW_CATALOGUE: readonly FlowSpec[] = [
  {
    key: 'order-confirmation',
    title: 'Order confirmation',
    trigger: 'Order Awaiting Shipment',
    steps: [email('order-confirmation')],
    purpose: 'an email with the items as soon as a paid order reaches ShipStation',
  },
  {
    key: 'payment-reminder',
    title: 'Payment reminder',
    trigger: 'Order Awaiting Payment',
    endsOn: ['Order Awaiting Shipment', 'Order Cancelled'],
    steps: [{ kind: 'delay', unit: 'days', value: 1 }, email('payment-reminder')],
    purpose: 'a reminder a day after an unpaid order, unless it was paid or cancelled meanwhile (needs the V1 API)',
  },
  {
    key: 'on-hold-notice',
    title: 'On-hold notice',
    trigger: 'Order On Hold',
    steps: [email('on-hold-notice')],
    purpose: 'tells the buyer the order is on hold, and until when',
  },
  {
    key: 'shipping-confirmation',
    title: 'Shipping confirmation',
    trigger: 'Order Shipped',
    steps: [email('shipping-confirmation'), { kind: 'sms', message: 'shipping-confirmation' }],
    purpose: 'email and SMS with carrier, tracking link and items, one per package',
  },
  {
    key: 'out-for-delivery',
    title: 'Out for delivery',
    trigger: 'Shipment Out For Delivery',
    steps: [{ kind: 'sms', message: 'out-for-delivery' }],
    purpose: 'an "arriving today" SMS with the tracking link (needs the V2 API)',
  },
  {
    key: 'delivery-attempted',
    title: 'Delivery attempt help',
    trigger: 'Delivery Attempted',
    steps: [email('delivery-attempted')],
    purpose: "what to do after a missed delivery, with the carrier's words (needs the V2 API)",
  },
  {
    key: 'shipment-exception',
    title: 'Delivery exception help',
    trigger: 'Shipment Exception',
    steps: [email('shipment-exception')],
    purpose: 'help when the carrier reports a problem (needs the V2 API)',
  },
  {
    key: 'review-request',
    title: 'Review request',
    trigger: 'Order Delivered',
    triggerFilter: { property: 'AllShipmentsDelivered', equals: true },
    endsOn: ['Order Awaiting Shipment'],
    steps: [{ kind: 'delay', unit: 'days', value: 5 }, email('review-request', true)],
    purpose: 'a review ask 5 days after the last package arrived, skipped for customers who ordered again (needs the V2 API)',
  },
  {
    key: 'delay-apology',
    title: 'Delay apology',
    trigger: 'Order Delayed',
    endsOn: ['Order Shipped', 'Order Cancelled'],
    steps: [{ kind: 'delay', unit: 'hours', value: 2 }, email('delay-apology')],
    purpose: 'an apology for an order past its ship-by date, ended if it ships or is cancelled meanwhile',
  },
  {
    key: 'stalled-package',
    title: 'Stalled package',
    trigger: 'Shipment Stalled',
    endsOn: ['Order Delivered'],
    steps: [email('stalled-package')],
    purpose: 'tells the buyer we are on it when a package has had no scan for days (needs the V2 API)',
  },
  {
    key: 'cancellation-winback',
    title: 'Cancellation win-back',
    trigger: 'Order Cancelled',
    endsOn: ['Order Awaiting Shipment'],
    steps: [{ kind: 'delay', unit: 'days', value: 3 }, email('cancellation-winback', true)],
    purpose: 'an invitation back 3 days after a cancellation, unless they ordered again (edit the offer first)',
  },
  {
    key: 're-engagement',
    title: 'Re-engagement offer',
    trigger: 'Order Shipped',
    endsOn: ['Order Awaiting Shipment'],
    reentryDays: 30,
    steps: [{ kind: 'delay', unit: 'days', value: 30 }, email('re-engagement', true)],
    purpose: 'an offer 30 days after an order shipped, unless they ordered since',
  },
];

/** The flow's name in the account's Klaviyo: the metric prefix, the title and the tag. */
export const flowName = (spec: FlowSpec, metricPrefix: string): string => `${metricPrefix}${spec.title} ${FLOW_TAG}`;

/** Every metric a flow needs to exist in Klaviyo (its trigger, then those that end it), without the prefix. */
export const metricsOf = (spec: FlowSpec): string[] => [...new Set([spec.trigger, ...(spec.endsOn ?? [])])];

/** A flow as Get Flows lists it. */
export interface ExistingFlow {
  id: string;
  name: string;
  status: string;
  archived: boolean;
  created: string;
  updated: string;
}

/** What install does with one flow of the catalogue. */
export type FlowPlanItem =
  | { spec: FlowSpec; name: string; action: 'create' }
  | { spec: FlowSpec; name: string; action: 'keep'; flow: ExistingFlow; state: 'draft' | 'edited' | 'live' | 'manual' | 'archived' }
  | { spec: FlowSpec; name: string; action: 'wait-for-metrics'; missing: string[] };

/** An `updated` this long after `created` means someone changed the flow after we made it. */
const EDITED_AFTER_MS = 60_000;

function stateOf(flow: ExistingFlow): Extract<FlowPlanItem, { action: 'keep' }>['state'] {
  if (flow.archived) return 'archived';
  if (flow.status === 'live' || flow.status === 'manual') return flow.status;
  return Date.parse(flow.updated) - Date.parse(flow.created) > EDITED_AFTER_MS ? 'edited' : 'draft';
}

/**
 * The plan for an account: a flow already there (by its exact name, whatever the merchant did to it since) is kept
 * and never changed; one whose metrics do not exist yet waits for them; the rest are created.
 * @param metricIds the account's Klaviyo metrics by name (with the prefix)
 */
export function planFlows(
  specs: readonly FlowSpec[],
  metricPrefix: string,
  metricIds: ReadonlyMap<string, string>,
  existing: readonly ExistingFlow[],
): FlowPlanItem[] {
  return specs.map((spec): FlowPlanItem => {
    const name = flowName(spec, metricPrefix);
    const flow = existing.find((f) => f.name === name);
    if (flow !== undefined) return { spec, name, action: 'keep', flow, state: stateOf(flow) };
    const missing = metricsOf(spec)
      .map((metric) => `${metricPrefix}${metric}`)
      .filter((metric) => !metricIds.has(metric));
    return missing.length > 0 ? { spec, name, action: 'wait-for-metrics', missing } : { spec, name, action: 'create' };
  });
}

/**
 * The catalogue's flows `--only` names, in catalogue order.
 * @returns the flows, or the names that are not flows
 */
export function selectFlows(only: readonly string[] | undefined): { ok: true; specs: FlowSpec[] } | { ok: false; unknown: string[] } {
  if (only === undefined || only.length === 0) return { ok: true, specs: [...FLOW_CATALOGUE] };
  const unknown = only.filter((key) => !FLOW_CATALOGUE.some((spec) => spec.key === key));
  if (unknown.length > 0) return { ok: false, unknown };
  return { ok: true, specs: FLOW_CATALOGUE.filter((spec) => only.includes(spec.key)) };
}

/** The email templates a flow needs, each created right before it. */
export const emailsOf = (spec: FlowSpec): FlowMessageKey[] => spec.steps.flatMap((step) => (step.kind === 'email' ? [step.message] : []));

/** Create Template's body for one of a flow's emails (a CODE template: our HTML and its text part). */
export function createTemplateBody(spec: FlowSpec, message: FlowMessageKey, metricPrefix: string): unknown {
  const content = FLOW_EMAILS[message];
  return {
    data: {
      type: 'template',
      attributes: { name: `${flowName(spec, metricPrefix)} email`, editor_type: 'CODE', html: content.html, text: content.text },
    },
  };
}

/** "Has none of `metric` since starting this flow", as a flow filter condition group. */
const noneSinceFlowStart = (metricId: string): unknown => ({
  conditions: [
    {
      type: 'profile-metric',
      metric_id: metricId,
      measurement: 'count',
      measurement_filter: { type: 'numeric', operator: 'equals', value: 0 },
      timeframe_filter: { type: 'date', operator: 'flow-start' },
    },
  ],
});

/**
 * Create Flow's body: a metric trigger (with its property filter), the flow filter that ends it, and the steps as
 * actions linked in order by temporary ids. Every message is a draft; the flow itself is created as a draft.
 * @param metricId the Klaviyo metric id of a metric name without the prefix (plan first: every one must exist)
 * @param templateId the template created for each of the flow's emails
 */
export function createFlowBody(
  spec: FlowSpec,
  metricPrefix: string,
  metricId: (metric: string) => string,
  templateId: (message: FlowMessageKey) => string,
): unknown {
  const triggerId = metricId(spec.trigger);
  const actions = spec.steps.map((step, index) => {
    const temporaryId = `step-${index + 1}`;
    const links = { next: index + 1 < spec.steps.length ? `step-${index + 2}` : null };
    switch (step.kind) {
      case 'delay':
        return { temporary_id: temporaryId, type: 'time-delay', links, data: { unit: step.unit, value: step.value } };
      case 'email': {
        const content = FLOW_EMAILS[step.message];
        return {
          temporary_id: temporaryId,
          type: 'send-email',
          links,
          data: {
            status: 'draft',
            message: {
              name: `${spec.title} email`,
              subject_line: content.subject,
              preview_text: content.previewText,
              template_id: templateId(step.message),
              smart_sending_enabled: step.smartSending,
              transactional: false,
            },
          },
        };
      }
      case 'sms':
        return {
          temporary_id: temporaryId,
          type: 'send-sms',
          links,
          data: {
            status: 'draft',
            message: {
              name: `${spec.title} SMS`,
              body: FLOW_SMS[step.message].body,
              smart_sending_enabled: false,
              add_org_prefix: true,
              add_opt_out_language: true,
            },
          },
        };
    }
  });
  const trigger = {
    type: 'metric',
    id: triggerId,
    ...(spec.triggerFilter === undefined
      ? {}
      : {
          trigger_filter: {
            condition_groups: [
              {
                conditions: [
                  {
                    type: 'metric-property',
                    metric_id: triggerId,
                    field: spec.triggerFilter.property,
                    filter: { type: 'boolean', operator: 'equals', value: spec.triggerFilter.equals },
                  },
                ],
              },
            ],
          },
        }),
  };
  const endsOn = spec.endsOn ?? [];
  return {
    data: {
      type: 'flow',
      attributes: {
        name: flowName(spec, metricPrefix),
        definition: {
          triggers: [trigger],
          ...(endsOn.length === 0 ? {} : { profile_filter: { condition_groups: endsOn.map((metric) => noneSinceFlowStart(metricId(metric))) } }),
          ...(spec.reentryDays === undefined ? {} : { reentry_criteria: { duration: spec.reentryDays, unit: 'day' } }),
          actions,
          entry_action_id: actions.length === 0 ? null : 'step-1',
        },
      },
    },
  };
}
