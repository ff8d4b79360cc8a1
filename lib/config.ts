// Configuration: parsed once at cold start with zod; a missing or bad value fails fast with its variable name.
// Accounts come either from the single-account environment variables (id `default` unless ACCOUNT_ID) or from one
// accounts document (JSON; read by the caller from a file, Secrets Manager or SSM, then passed in as text).
// The parts live in lib/config/: where accounts come from (sources), the accounts (accounts), the service's settings by
// concern (settings), the hosts credentials may go to (hosts) and problem reporting (problems). Each function loads
// only its accounts view and concerns (loadFunctionConfig); loadConfig loads everything (the CLI, the local stack).
import { loadAccounts, WEBHOOK_VIEW_VARIABLES, type AccountConfig, type AccountsOf, type AccountsView } from './config/accounts.js';
import { ConfigurationError, listed } from './config/problems.js';
import { ALL_CONCERNS, DEFAULT_IMPORT_DAYS, parseSettings, SETTINGS, variablesOf, type Concern, type SettingsOf } from './config/settings.js';
import { ACCOUNTS_SOURCE_VARIABLES, accountsSource, SINGLE_ACCOUNT_VARIABLES, singleAccountVariablesIn, sourceVariable, type Env } from './config/sources.js';

export { accountSecrets, DEFAULT_COUNTRY, DEFAULT_TIME_ZONE, fingerprint, type AccountConfig, type WebhookAccountConfig } from './config/accounts.js';
export { DEFAULT_KLAVIYO_BASE_URL, DEFAULT_SHIPSTATION_BASE_URL, DEFAULT_SHIPSTATION_V2_BASE_URL } from './config/hosts.js';
export { ConfigurationError } from './config/problems.js';
export { DEFAULT_KLAVIYO_REVISION, DEFAULT_TRACKING_JWKS_URLS, type Concern, type SettingsOf } from './config/settings.js';
export { accountsCacheSeconds, accountsSource, type AccountsSource } from './config/sources.js';

/**
 * The environment variables a function with these needs may read: where accounts come from, its view's single-account
 * variables, and its concerns' settings (scripts/function-config-check.ts holds serverless.yml to it).
 */
export function variablesFor(needs: { accounts: AccountsView; settings: readonly Concern[] }): string[] {
  const accounts = needs.accounts === 'full' ? [...SINGLE_ACCOUNT_VARIABLES, 'IMPORT_DAYS'] : [...WEBHOOK_VIEW_VARIABLES];
  return [...new Set([...ACCOUNTS_SOURCE_VARIABLES, 'ACCOUNTS_CACHE_SECONDS', ...accounts, ...needs.settings.flatMap(variablesOf)])];
}

/** What a function's configuration holds: its view of the accounts and the settings of its concerns. */
export type FunctionConfig<V extends AccountsView, C extends Concern> = { accounts: AccountsOf<V> } & SettingsOf<C>;

/** Everything: every account in full and every concern (the CLI, the local stack, tests). */
export type AppConfig = { accounts: ReadonlyMap<string, AccountConfig> } & SettingsOf<Concern>;

/** A variable set to '' counts as unset (serverless.yml passes '' for what a stage does not configure). */
const withoutBlanks = (env: Env): Env => Object.fromEntries(Object.entries(env).filter(([, value]) => value === undefined || value.trim() !== ''));

/**
 * Parses what one function needs: its view of the accounts (from the accounts document when one was read, otherwise
 * from the single-account variables) and its concerns of the service settings. Nothing else is read, so a function
 * fails fast only on what it uses.
 * @param needs.accounts 'full' (ShipStation and Klaviyo keys) or 'webhook' (id, token, ShipStation host)
 * @param needs.settings the concerns the function reads (lib/config/settings.ts)
 * @throws ConfigurationError naming each missing or invalid variable or document path, never a secret value
 */
export function loadFunctionConfig<V extends AccountsView, C extends Concern>(
  needs: { accounts: V; settings: readonly C[] },
  rawEnv: Env = process.env,
  accountsDocument?: string,
): FunctionConfig<V, C> {
  const env = withoutBlanks(rawEnv);
  const source = accountsSource(env);
  if (source.kind !== 'env' && accountsDocument === undefined) {
    throw new ConfigurationError([
      `${sourceVariable(source)} is set: the accounts document must be loaded first (readAccountsDocument) and passed to loadConfig`,
    ]);
  }
  if (accountsDocument !== undefined) {
    const accountVariables = singleAccountVariablesIn(env);
    if (accountVariables.length > 0) {
      throw new ConfigurationError([
        `an accounts document was given and ${listed(accountVariables)} ${accountVariables.length === 1 ? 'is' : 'are'} set: configure accounts either with the accounts document or with the single-account variables, not both`,
      ]);
    }
  }
  const settings = parseSettings(env, needs.settings);
  // A full account without its own importDays takes IMPORT_DAYS (the webhook view has no import days).
  const polling = needs.accounts === 'full' ? SETTINGS.polling().safeParse(env) : undefined;
  const accounts = loadAccounts(needs.accounts, env, accountsDocument, polling?.success === true ? polling.data.importDays : DEFAULT_IMPORT_DAYS);
  const accountProblems = 'problems' in accounts ? accounts.problems : [];
  const settingProblems = 'problems' in settings ? settings.problems : [];
  if ('problems' in settings || 'problems' in accounts) {
    // The single-account variables' problems come first, an accounts document's after the settings'.
    throw new ConfigurationError(accountsDocument === undefined ? [...accountProblems, ...settingProblems] : [...settingProblems, ...accountProblems]);
  }
  return { accounts: accounts.accounts, ...(settings.settings as object) } as FunctionConfig<V, C>;
}

/**
 * Parses the environment (and the accounts document, when accounts come from one) into the whole configuration.
 * @param env the variables to read (process.env at cold start; tests pass their own)
 * @param accountsDocument the accounts document's JSON text, already read from its source (see accountsSource);
 *   when given, the environment holds only the service settings
 * @throws ConfigurationError naming each missing or invalid variable or document path, never a secret value
 */
export function loadConfig(rawEnv: Env = process.env, accountsDocument?: string): AppConfig {
  return loadFunctionConfig({ accounts: 'full', settings: ALL_CONCERNS }, rawEnv, accountsDocument);
}
