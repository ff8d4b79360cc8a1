// `doctor`: renders what diagnoseAccount and diagnoseQueues found, one block per account with a verdict and the fix
// for each problem, then the queues. Exit code 1 when any account is broken (or the configuration is).
import type { ConfigurationError } from '../config.js';
import type { QueueDepth } from '../ports.js';
import type { AccountDiagnosis, Finding } from '../use-cases/diagnose-account.js';

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
  const rows = depths.map((d) =>
    `  ${d.queue.padEnd(14)} ${String(d.visible).padStart(6)} waiting ${String(d.inFlight).padStart(6)} in flight ${String(d.delayed).padStart(6)} delayed   DLQ ${d.deadLetters ?? '-'}`);
  return ['queues (shared by all accounts)', ...rows, ...findings.flatMap(formatFinding)].join('\n');
}

/** The configuration could not be loaded: every problem, and how to fix it. */
export function formatConfigurationProblems(error: ConfigurationError): string {
  return [
    'configuration: BROKEN',
    ...error.problems.map((problem) => `  ✘ ${problem}`),
    '      fix: set what is named above (README: "Configuration"); the CLI reads the same variables as the deployed functions',
  ].join('\n');
}

/** The closing line: how many accounts are in each state. */
export function formatSummary(diagnoses: AccountDiagnosis[]): string {
  const countOf = (verdict: AccountDiagnosis['verdict']): number => diagnoses.filter((d) => d.verdict === verdict).length;
  return `verdict: ${diagnoses.length} account(s): ${countOf('healthy')} healthy, ${countOf('degraded')} degraded, ${countOf('broken')} broken`;
}
