// Where the accounts come from: the single-account environment variables, or one accounts document (a file, Secrets
// Manager or SSM), and how long a read document is reused.
import { ConfigurationError, listed } from './problems.js';

/** The process environment, or what a test passes instead. */
export type Env = Record<string, string | undefined>;

/** Where the accounts come from: the single-account environment variables, or an accounts document. */
export type AccountsSource = { kind: 'env' } | { kind: 'file'; path: string } | { kind: 'secrets-manager'; id: string } | { kind: 'ssm'; name: string };

/** The variables that name where the accounts document lives; at most one may be set. */
export const ACCOUNTS_SOURCE_VARIABLES = ['ACCOUNTS_FILE', 'ACCOUNTS_SECRET_ID', 'ACCOUNTS_PARAMETER_NAME'] as const;
/** The variables that configure the one account of the environment path; none may be set beside an accounts document. */
export const SINGLE_ACCOUNT_VARIABLES = [
  'ACCOUNT_ID',
  'SHIPSTATION_API_KEY',
  'SHIPSTATION_API_SECRET',
  'SHIPSTATION_KEY_EXPIRES_ON',
  'SHIPSTATION_BASE_URL',
  'KLAVIYO_PRIVATE_KEY',
  'KLAVIYO_BASE_URL',
  'WEBHOOK_TOKEN',
  'METRIC_PREFIX',
  'STORE_IDS',
  'SHIPSTATION_V2_API_KEY',
  'SHIPSTATION_V2_BASE_URL',
  'TIME_ZONE',
  'DEFAULT_COUNTRY',
] as const;
const DEFAULT_ACCOUNTS_CACHE_SECONDS = 60;

const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/** Names of the single-account variables that are set. */
export const singleAccountVariablesIn = (env: Env): string[] => SINGLE_ACCOUNT_VARIABLES.filter((name) => isSet(env[name]));

/** The variable that names a document source. */
export const sourceVariable = (source: Exclude<AccountsSource, { kind: 'env' }>): string =>
  ({ file: 'ACCOUNTS_FILE', 'secrets-manager': 'ACCOUNTS_SECRET_ID', ssm: 'ACCOUNTS_PARAMETER_NAME' })[source.kind];

/**
 * Where the accounts come from, from ACCOUNTS_FILE, ACCOUNTS_SECRET_ID (an ARN or name) or ACCOUNTS_PARAMETER_NAME
 * (a SecureString); none of them means the single-account environment variables.
 * @throws ConfigurationError when more than one source is set, or a source beside single-account variables
 */
export function accountsSource(env: Env = process.env): AccountsSource {
  const sources = ACCOUNTS_SOURCE_VARIABLES.filter((name) => isSet(env[name]));
  if (sources.length > 1) {
    throw new ConfigurationError([`${listed(sources)} are ${sources.length === 2 ? 'both' : 'all'} set: the accounts document comes from one place only`]);
  }
  const [source] = sources;
  if (source === undefined) return { kind: 'env' };
  const accountVariables = singleAccountVariablesIn(env);
  if (accountVariables.length > 0) {
    throw new ConfigurationError([
      `${source} and ${listed(accountVariables)} are set: configure accounts either with the accounts document or with the single-account variables, not both`,
    ]);
  }
  const value = (env[source] ?? '').trim();
  if (source === 'ACCOUNTS_FILE') return { kind: 'file', path: value };
  if (source === 'ACCOUNTS_SECRET_ID') return { kind: 'secrets-manager', id: value };
  return { kind: 'ssm', name: value };
}

/**
 * How long a read accounts document is reused before it is read again (ACCOUNTS_CACHE_SECONDS, default 60), so a
 * rotated secret is picked up without a redeploy; 0 reads it every time.
 * @throws ConfigurationError when ACCOUNTS_CACHE_SECONDS is not a whole number from 0 to 86400
 */
export function accountsCacheSeconds(env: Env = process.env): number {
  const raw = env.ACCOUNTS_CACHE_SECONDS;
  if (!isSet(raw)) return DEFAULT_ACCOUNTS_CACHE_SECONDS;
  const seconds = Number(raw.trim());
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 86_400) {
    throw new ConfigurationError(['ACCOUNTS_CACHE_SECONDS must be a whole number of seconds from 0 to 86400']);
  }
  return seconds;
}
