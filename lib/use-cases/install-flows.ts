// CLI flows install (and npm start on the simulators) → installFlows → Klaviyo (KlaviyoFlowsApi): reads the account's
// metrics and the flows this product made, plans (domain/klaviyo-flows.ts), then creates each missing flow as a draft
// with its email templates, paced to Create Flow's limits (1/s, 15/min, 100/day). It never changes a flow that is there.
import { BadInputError, KlaviyoRejectedError, TransientError } from '../domain/errors.js';
import { createFlowBody, createTemplateBody, emailsOf, FLOW_TAG, planFlows, type FlowPlanItem, type FlowSpec } from '../domain/klaviyo-flows.js';
import type { FlowMessageKey } from '../domain/flow-messages.js';
import type { AccountDirectory, Clock, FlowScope, KlaviyoFlowsApi } from '../ports.js';

/** Klaviyo's published limits for Create Flow (OAS x-klaviyo-ratelimit): burst per second, steady per minute, per day. */
export const CREATE_FLOW_LIMITS = { perSecond: 1, perMinute: 15, perDay: 100 } as const;

/** What happened to one flow of the catalogue. */
export type FlowOutcome =
  | { plan: FlowPlanItem; outcome: 'created'; flowId: string; templateIds: string[] }
  | { plan: FlowPlanItem; outcome: 'would-create' }
  | { plan: FlowPlanItem; outcome: 'kept' }
  | { plan: FlowPlanItem; outcome: 'waits-for-metrics' }
  | { plan: FlowPlanItem; outcome: 'failed'; reason: string }
  | { plan: FlowPlanItem; outcome: 'not-reached' };

export interface FlowInstallReport {
  accountId: string;
  dryRun: boolean;
  flows: FlowOutcome[];
  /** Why the run stopped before the end (a missing scope, the key refused, Klaviyo's limit or outage). */
  stopped?: string;
  /** The scope the key lacks, when that stopped it. */
  missingScope?: FlowScope;
}

export interface InstallFlowsDeps {
  accounts: AccountDirectory;
  klaviyo: KlaviyoFlowsApi;
  clock: Clock;
}

export type InstallFlows = (accountId: string, options: { dryRun: boolean; specs: readonly FlowSpec[] }) => Promise<FlowInstallReport>;

/** Which scope each call needs, to name it when Klaviyo answers 403. */
type Call = 'metrics' | 'flows' | 'template' | 'flow';
const SCOPE_OF: Record<Call, FlowScope> = { metrics: 'metrics:read', flows: 'flows:read', template: 'templates:write', flow: 'flows:write' };

/** Why a run cannot go on, as the report says it. */
class Stop extends Error {
  constructor(
    message: string,
    readonly missingScope?: FlowScope,
  ) {
    super(message);
  }
}

/** The key's fix in Klaviyo, for a 401 or a 403. */
function stopFor(error: unknown, call: Call, accountId: string): Stop | undefined {
  if (error instanceof KlaviyoRejectedError && error.status === 403) {
    const scope = SCOPE_OF[call];
    return new Stop(
      `the account's Klaviyo private key lacks the ${scope} scope (Klaviyo: ${error.reason}). flows install needs metrics:read, flows:read, ` +
        `flows:write and templates:write: edit the key in Klaviyo (Settings > API keys) to add them, or create one with them and ` +
        `store it as the account's klaviyo.privateKey; \`shipstation-klaviyo doctor --account ${accountId}\` lists what the key has`,
      scope,
    );
  }
  if (error instanceof KlaviyoRejectedError && error.status === 401) {
    return new Stop(`Klaviyo refused the account's private key (401: ${error.reason}); run \`shipstation-klaviyo doctor --account ${accountId}\``);
  }
  if (error instanceof TransientError) {
    const wait = error.retryAfterSeconds === undefined ? '' : ` and asks to wait ${error.retryAfterSeconds} s`;
    return new Stop(`Klaviyo cannot take it now${wait} (${error.message}); run flows install again later: what was created is kept and not made twice`);
  }
  return undefined;
}

/**
 * Spaces Create Flow calls to Klaviyo's limits: a second apart, at most 15 in any minute, at most 100 in a run (the
 * day's count across runs is Klaviyo's; its 429 says when to come back).
 */
class CreateFlowPacer {
  private readonly sent: number[] = [];

  constructor(private readonly clock: Clock) {}

  /** Waits until one more Create Flow keeps within the limits; false when this run already made the day's 100. */
  async take(): Promise<boolean> {
    if (this.sent.length >= CREATE_FLOW_LIMITS.perDay) return false;
    const now = this.clock.now().getTime();
    const last = this.sent.at(-1);
    let until = last === undefined ? now : last + 1000 / CREATE_FLOW_LIMITS.perSecond;
    const minuteAgo = this.sent.at(-CREATE_FLOW_LIMITS.perMinute);
    if (minuteAgo !== undefined) until = Math.max(until, minuteAgo + 60_000);
    if (until > now) await this.clock.sleep(until - now);
    this.sent.push(this.clock.now().getTime());
    return true;
  }
}

export function makeInstallFlows(deps: InstallFlowsDeps): InstallFlows {
  return async (accountId, { dryRun, specs }) => {
    const account = deps.accounts.find(accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
    const prefix = account.metricPrefix;
    const report: FlowInstallReport = { accountId, dryRun, flows: [] };
    const call = async <T>(what: Call, run: () => Promise<T>): Promise<T> => {
      try {
        return await run();
      } catch (error) {
        throw stopFor(error, what, accountId) ?? error;
      }
    };
    let plan: FlowPlanItem[] = [];
    try {
      const metricIds = await call('metrics', () => deps.klaviyo.metrics(accountId));
      const existing = await call('flows', () => deps.klaviyo.flowsEndingWith(accountId, FLOW_TAG));
      plan = planFlows(specs, prefix, metricIds, existing);
      const pacer = new CreateFlowPacer(deps.clock);
      for (const item of plan) {
        if (item.action === 'keep') report.flows.push({ plan: item, outcome: 'kept' });
        else if (item.action === 'wait-for-metrics') report.flows.push({ plan: item, outcome: 'waits-for-metrics' });
        else if (dryRun) report.flows.push({ plan: item, outcome: 'would-create' });
        else report.flows.push(await create(item, metricIds, pacer));
      }
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
      report.stopped = error.message;
      if (error.missingScope !== undefined) report.missingScope = error.missingScope;
      // The flow it stopped at and those after it (none when it stopped reading the metrics or the flows).
      for (const rest of plan.slice(report.flows.length)) report.flows.push({ plan: rest, outcome: 'not-reached' });
    }
    return report;

    /** Its templates, then the flow; a 400 fails this flow only, anything that stops the run is thrown as a Stop. */
    async function create(item: FlowPlanItem, metricIds: ReadonlyMap<string, string>, pacer: CreateFlowPacer): Promise<FlowOutcome> {
      const templateIds = new Map<FlowMessageKey, string>();
      try {
        for (const message of emailsOf(item.spec)) {
          templateIds.set(message, await call('template', () => deps.klaviyo.createTemplate(accountId, createTemplateBody(item.spec, message, prefix))));
        }
        if (!(await pacer.take())) throw new Stop(`this run made Klaviyo's daily maximum of ${CREATE_FLOW_LIMITS.perDay} flows; run it again tomorrow`);
        const body = createFlowBody(
          item.spec,
          prefix,
          (metric) => metricIds.get(`${prefix}${metric}`) ?? '',
          (message) => templateIds.get(message) ?? '',
        );
        const flowId = await call('flow', () => deps.klaviyo.createFlow(accountId, body));
        return { plan: item, outcome: 'created', flowId, templateIds: [...templateIds.values()] };
      } catch (error) {
        if (error instanceof KlaviyoRejectedError) return { plan: item, outcome: 'failed', reason: `Klaviyo refused it (${error.status}): ${error.reason}` };
        throw error;
      }
    }
  };
}
