// One composition per container: built at cold start from process.env and the accounts document, and rebuilt when the
// document changes (it is re-read after ACCOUNTS_CACHE_SECONDS, so rotated keys need no redeploy). Every function's
// module (lib/wiring/<function>.ts) and the CLI's full wiring (lib/wiring.ts) are made with it.
import { readAccountsDocument } from '../adapters/accounts-document-reader.js';
import { accountsCacheSeconds, accountSecrets, accountsSource, type AccountConfig, type WebhookAccountConfig } from '../config.js';
import { logger, registerSecrets } from '../observability.js';

/** The process environment, or what a test passes instead. */
type Env = Record<string, string | undefined>;

/**
 * Registers every key, secret and token of the accounts for masking by value, before anything can log or print them
 * (again for a changed accounts document, which rebuilds the composition).
 */
export function maskAccountSecrets(accounts: ReadonlyMap<string, AccountConfig | WebhookAccountConfig>): void {
  registerSecrets(accountSecrets(accounts));
}

/**
 * The container's composition, built by `build` from process.env and the accounts document. The document is re-read
 * once its cache has aged; a changed document rebuilds the composition, and a failed re-read or an invalid new document
 * keeps the last good one (logged) rather than stop every invocation.
 * @returns a function that resolves the current composition
 * @throws (from the returned function) ConfigurationError naming what is missing, at cold start
 */
export function perContainer<T>(build: (env: Env, accountsDocument: string | undefined) => T): () => Promise<T> {
  let built: { value: T; document: string | undefined } | undefined;
  return async () => {
    const source = accountsSource();
    let document: string | undefined;
    try {
      document = await readAccountsDocument(source, { maxAgeSeconds: accountsCacheSeconds() });
    } catch (error) {
      if (built === undefined) throw error;
      logger.warn('accounts document could not be re-read; keeping the last one', { error: error instanceof Error ? error.message : String(error) });
      return built.value;
    }
    if (built === undefined) {
      built = { value: build(process.env, document), document };
    } else if (built.document !== document) {
      try {
        built = { value: build(process.env, document), document };
      } catch (error) {
        // A broken edit of the document must not stop every function: keep serving with the last good one.
        logger.error('changed accounts document is invalid; keeping the last good one', { error: error instanceof Error ? error.message : String(error) });
      }
    }
    return built.value;
  };
}
