// `doctor`: runs diagnoseAccount per account and diagnoseQueues, and prints one block per account with a verdict and
// the fix for each problem (which ShipStation API each key reaches among them), then the queues. Exit code 1 when any
// account is broken (or the configuration is).
import { mapLimit } from '../../domain/map-limit.js';
import type { ConfigurationError } from '../../config.js';
import type { QueueDepth } from '../../ports.js';
import { diagnoseQueues, type AccountDiagnosis, type Finding } from '../../use-cases/diagnose-account.js';
import { accountsFor, type Command, type CommandOptions } from '../command.js';
import { accountOf, ACCOUNT_FLAG, isSet, LOCAL_FLAG, readFlags, urlOf } from '../flags.js';
import { oneLine } from '../text.js';

/** Accounts diagnosed at once. */
const DOCTOR_CONCURRENCY = 8;

export interface DoctorOptions extends CommandOptions {
  url?: string;
  account?: string;
}

const FLAGS = [
  {
    name: 'url',
    value: '<base URL>',
    help: [
      'for doctor: the deployed base URL the webhooks must point at (default: any host,',
      'as long as the path names the account and carries its current token)',
    ],
  },
  ACCOUNT_FLAG,
  LOCAL_FLAG,
];

const MARK: Record<Finding['status'], string> = { ok: '✔', warn: '!', fail: '✘' };
const VERDICT: Record<AccountDiagnosis['verdict'], string> = { healthy: 'HEALTHY', degraded: 'DEGRADED (works; needs attention)', broken: 'BROKEN' };

/** The lines of one finding: mark, check, detail, and its fix indented below. */
export function formatFinding(finding: Finding): string[] {
  const lines = [`  ${MARK[finding.status]} ${finding.check.padEnd(18)} ${finding.detail}`];
  if (finding.fix !== undefined) lines.push(`      fix: ${finding.fix}`);
  return lines;
}

/** One account's block. */
export function formatDiagnosis(diagnosis: AccountDiagnosis): string {
  return [`account ${diagnosis.accountId}: ${VERDICT[diagnosis.verdict]}`, ...diagnosis.findings.flatMap(formatFinding)].join('\n');
}

/** The queues block: waiting, in flight, delayed and dead-lettered messages per queue. */
export function formatQueues(depths: QueueDepth[], findings: Finding[]): string {
  const rows = depths.map(
    (d) =>
      `  ${d.queue.padEnd(14)} ${String(d.visible).padStart(6)} waiting ${String(d.inFlight).padStart(6)} in flight ${String(d.delayed).padStart(6)} delayed   DLQ ${d.deadLetters ?? '-'}`,
  );
  return ['queues (shared by all accounts)', ...rows, ...findings.flatMap(formatFinding)].join('\n');
}

/** The configuration could not be loaded: every problem, and how to fix it. */
export function formatConfigurationProblems(error: ConfigurationError): string {
  return [
    'configuration: BROKEN',
    ...error.problems.map((problem) => `  ✘ ${problem}`),
    '      fix: set what is named above (docs/configuration.md: "Configuration"); the CLI reads the same variables as the deployed functions',
  ].join('\n');
}

/** The closing line: how many accounts are in each state. */
export function formatSummary(diagnoses: AccountDiagnosis[]): string {
  const countOf = (verdict: AccountDiagnosis['verdict']): number => diagnoses.filter((d) => d.verdict === verdict).length;
  return `verdict: ${diagnoses.length} account(s): ${countOf('healthy')} healthy, ${countOf('degraded')} degraded, ${countOf('broken')} broken`;
}

const reasonOf = (error: unknown): string => oneLine(error instanceof Error ? error.message : String(error));

export const doctorCommand: Command<DoctorOptions> = {
  name: 'doctor',
  usage: [
    {
      synopsis: 'doctor [--account <id>] [--url <base URL>] [--local]',
      summary: [
        'check configuration, each key (and which ShipStation API it reaches),',
        'key expiry, V1 and V2 webhooks, pauses, the last poll, held events,',
        'dead letters and tracking; a verdict and fix per account',
        '(exit 1 when something is broken)',
      ],
    },
  ],
  flags: FLAGS,

  parse(args) {
    const flags = readFlags('doctor', FLAGS, args);
    const account = accountOf(flags);
    const url = urlOf(flags);
    return { ...(url === undefined ? {} : { url }), ...(account === undefined ? {} : { account }), local: isSet(flags, 'local') };
  },

  /** Diagnoses each account, then the queues; 1 when any account is broken. */
  async run(options, context) {
    const { w, io } = context;
    // A few accounts at a time (each makes a handful of requests, ShipStation's through its key's shared budget),
    // printed in the configuration's order as soon as each and those before it are done.
    const diagnoses = await mapLimit(
      accountsFor(w, options.account),
      DOCTOR_CONCURRENCY,
      async (account): Promise<AccountDiagnosis> => {
        try {
          return await w.diagnoseAccount(account.id, options.url === undefined ? {} : { webhookBaseUrl: options.url });
        } catch (error) {
          // The service's own state could not be read (DynamoDB, AWS credentials): that account cannot be vouched for.
          const fix = 'check TABLE_NAME, the AWS credentials and region of this shell, then run doctor again';
          return {
            accountId: account.id,
            verdict: 'broken',
            findings: [{ check: 'diagnosis', status: 'fail', detail: `could not be checked: ${reasonOf(error)}`, fix }],
          };
        }
      },
      (diagnosis) => io.write(`${formatDiagnosis(diagnosis)}\n\n`),
    );
    try {
      const queues = await diagnoseQueues(w.queues);
      io.write(`${formatQueues(queues.depths, queues.findings)}\n\n`);
    } catch (error) {
      io.write(`queues: could not be read (${reasonOf(error)}); check the *_QUEUE_URL variables and your AWS credentials\n\n`);
    }
    io.write(`${formatSummary(diagnoses)}\n`);
    return diagnoses.some((d) => d.verdict === 'broken') ? 1 : 0;
  },

  /** The configuration is what doctor checks first: its problems are a finding, not an error. */
  onConfigurationError(error, io) {
    io.write(`${formatConfigurationProblems(error)}\n`);
    return 1;
  },
};
