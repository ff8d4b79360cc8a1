// `flows install`: runs installFlows per account and prints a line per flow (created, kept, waiting for its metric,
// failed) and a count per account. Exit 1 when a flow failed or a run stopped (a missing scope, the key refused,
// Klaviyo's limit); flows waiting for a metric are not a failure: the line says how to get it.
import { FLOW_CATALOGUE, selectFlows } from '../../domain/klaviyo-flows.js';
import { METRICS_NEEDING_V1, METRICS_NEEDING_V2 } from '../../domain/shipstation-v2.js';
import type { Account } from '../../ports.js';
import type { FlowInstallReport, FlowOutcome } from '../../use-cases/install-flows.js';
import { accountsFor, UsageError, type Command, type CommandOptions } from '../command.js';
import { accountOf, ACCOUNT_FLAG, DRY_RUN_FLAG, isSet, LOCAL_FLAG, readFlags, valueOf } from '../flags.js';
import { oneLine, plural } from '../text.js';

export interface FlowsOptions extends CommandOptions {
  account?: string;
  dryRun: boolean;
  /** Catalogue keys, in catalogue order; absent = every flow. */
  only?: string[];
}

const FLAGS = [
  {
    name: 'only',
    value: '<names>',
    help: ['for flows install: only these flows, comma-separated', `(${FLOW_CATALOGUE.map((spec) => spec.key).join(', ')})`],
  },
  ACCOUNT_FLAG,
  DRY_RUN_FLAG,
  LOCAL_FLAG,
];

/** How a metric that does not exist yet comes to be, for this account. */
function howToGet(metric: string, account: Account): string {
  const base = metric.slice(account.metricPrefix.length);
  if ((METRICS_NEEDING_V1 as readonly string[]).includes(base) && account.shipStationFingerprint === undefined) {
    return `${metric} (only ShipStation's V1 API tells it, and this account has no V1 key)`;
  }
  if ((METRICS_NEEDING_V2 as readonly string[]).includes(base) && account.shipStationV2Fingerprint === undefined) {
    return `${metric} (tracking needs a ShipStation V2 key, and this account has none)`;
  }
  return metric;
}

/** One flow's line. */
export function formatFlowLine(item: FlowOutcome, account: Account): string {
  const title = item.plan.spec.title.padEnd(24);
  switch (item.outcome) {
    case 'created':
      return `  ✔ ${title} created as a draft (flow ${item.flowId}): ${item.plan.spec.purpose}`;
    case 'would-create':
      return `  + ${title} would be created as a draft: ${item.plan.spec.purpose}`;
    case 'kept': {
      const state = item.plan.action === 'keep' ? item.plan.state : 'draft';
      const why = state === 'draft' ? 'already there' : state === 'edited' ? 'edited since it was made' : `${state} in Klaviyo`;
      return `  = ${title} kept (${why}; never changed by install)`;
    }
    case 'waits-for-metrics': {
      const missing = item.plan.action === 'wait-for-metrics' ? item.plan.missing.map((m) => howToGet(m, account)) : [];
      return missing.length === 1
        ? `  … ${title} waits for its metric: ${missing.join('')} does not exist in Klaviyo yet`
        : `  … ${title} waits for its metrics: ${missing.join(', ')} do not exist in Klaviyo yet`;
    }
    case 'failed':
      return `  ✘ ${title} ${oneLine(item.reason)}`;
    case 'not-reached':
      return `  - ${title} not reached`;
  }
}

/** The account's closing lines: counts, how to get missing metrics, why it stopped. */
export function formatFlowsSummary(report: FlowInstallReport, account: Account): string[] {
  const count = (outcome: FlowOutcome['outcome']): number => report.flows.filter((f) => f.outcome === outcome).length;
  const parts = [
    report.dryRun ? `${count('would-create')} would be created` : `${count('created')} created`,
    `${count('kept')} kept`,
    `${count('waits-for-metrics')} waiting for a metric`,
    ...(count('failed') > 0 ? [`${count('failed')} failed`] : []),
    ...(count('not-reached') > 0 ? [`${count('not-reached')} not reached`] : []),
  ];
  const lines = [`${account.id}  ${plural(report.flows.length, 'flow')}: ${parts.join(', ')}${report.dryRun ? '; dry run: nothing was created' : ''}`];
  if (count('waits-for-metrics') > 0) {
    lines.push(
      `    Klaviyo makes a metric at its first event: import the shop's history (\`shipstation-klaviyo backfill --days 90 --account ${account.id}\`) ` +
        'or wait for the first live event of that kind, then run flows install again (what exists is kept)',
    );
  }
  if (count('created') > 0) {
    lines.push('    the new flows are drafts: review each in Klaviyo (sender, the win-back offer), then turn it live');
  }
  if (report.stopped !== undefined) lines.push(`    stopped: ${oneLine(report.stopped)}`);
  return lines;
}

export const flowsCommand: Command<FlowsOptions> = {
  name: 'flows',
  usage: [
    {
      synopsis: 'flows install [--account <id>] [--only <names>] [--dry-run]',
      summary: [
        "create this product's ready-made flows in each account's Klaviyo, as",
        'drafts with their templates; flows already there are never changed',
        '(exit 1 when a flow failed or a scope is missing)',
      ],
    },
  ],
  flags: FLAGS,

  parse(rest) {
    const [action, ...args] = rest;
    if (action === undefined || action.startsWith('-')) throw new UsageError('flows needs what to do: install');
    if (action !== 'install') throw new UsageError(`flows does install, got "${action}"`);
    const flags = readFlags('flows', FLAGS, args);
    const account = accountOf(flags);
    const onlyText = valueOf(flags, 'only');
    let only: string[] | undefined;
    if (onlyText !== undefined) {
      const names = onlyText
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
      const selected = selectFlows(names);
      if (!selected.ok) {
        throw new UsageError(`--only names no flow "${selected.unknown.join('", "')}" (flows: ${FLOW_CATALOGUE.map((s) => s.key).join(', ')})`);
      }
      only = names;
    }
    return {
      ...(account === undefined ? {} : { account }),
      dryRun: isSet(flags, 'dry-run'),
      ...(only === undefined ? {} : { only }),
      local: isSet(flags, 'local'),
    };
  },

  async run(options, context) {
    const { w, io } = context;
    const selected = selectFlows(options.only);
    if (!selected.ok) throw new UsageError(`--only names no flow "${selected.unknown.join('", "')}"`);
    let failed = false;
    for (const account of accountsFor(w, options.account)) {
      io.write(`${account.id}  flows in Klaviyo${account.metricPrefix === '' ? '' : ` (metric prefix "${account.metricPrefix}")`}\n`);
      const report = await w.installFlows(account.id, { dryRun: options.dryRun, specs: selected.specs });
      for (const item of report.flows) io.write(`${formatFlowLine(item, account)}\n`);
      for (const line of formatFlowsSummary(report, account)) io.write(`${line}\n`);
      if (report.stopped !== undefined || report.flows.some((f) => f.outcome === 'failed')) failed = true;
    }
    return failed ? 1 : 0;
  },
};
