// Reads the accounts document's text from its source (a file, Secrets Manager or SSM Parameter Store) and keeps it for
// maxAgeSeconds, so a rotated secret is picked up without a redeploy; parsing is loadConfig's job.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { clearCaches, ParameterNotFoundError } from '@aws-lambda-powertools/parameters';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import { ConfigurationError, type AccountsSource } from '../config.js';

/** File reads kept by absolute path, with the time (ms since the epoch) they were read. */
const fileCache = new Map<string, { text: string; readAt: number }>();

/** Reads the file again once it is older than maxAge (Powertools' rule: expired strictly after maxAge; 0 never keeps). */
async function readAccountsFile(path: string, maxAgeSeconds: number): Promise<string> {
  const absolute = resolve(path);
  const cached = fileCache.get(absolute);
  if (cached !== undefined && maxAgeSeconds > 0 && cached.readAt + maxAgeSeconds * 1000 >= Date.now()) return cached.text;
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'unknown error'})`;
    throw new ConfigurationError([`ACCOUNTS_FILE ${absolute} ${reason}`]);
  }
  fileCache.set(absolute, { text, readAt: Date.now() });
  return text;
}

/** A secret stored as SecretBinary arrives as bytes; the document is UTF-8 JSON either way. */
const asText = (value: string | Uint8Array): string => (typeof value === 'string' ? value : new TextDecoder().decode(value));

/** Turns "not found" into a ConfigurationError naming the variable; other failures (access, throttling) pass through. */
async function notFoundAsConfigurationError<T>(variable: string, name: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ParameterNotFoundError) throw new ConfigurationError([`${variable} ${name} was not found`]);
    throw error;
  }
}

/**
 * The accounts document's JSON text, or undefined when accounts come from the environment variables.
 * Secrets Manager and SSM are read through Powertools Parameters, whose cache lives as long as the container.
 * @param source where the document lives (accountsSource)
 * @param options.maxAgeSeconds how long a read value is reused (accountsCacheSeconds)
 * @throws ConfigurationError when the file, secret or parameter does not exist; Powertools' GetParameterError when
 *   the store cannot be reached or refuses access
 */
export async function readAccountsDocument(source: AccountsSource, options: { maxAgeSeconds: number }): Promise<string | undefined> {
  const maxAge = options.maxAgeSeconds;
  switch (source.kind) {
    case 'env':
      return undefined;
    case 'file':
      return readAccountsFile(source.path, maxAge);
    case 'secrets-manager':
      return asText(await notFoundAsConfigurationError('ACCOUNTS_SECRET_ID', source.id, () => getSecret(source.id, { maxAge, throwOnMissing: true })));
    case 'ssm':
      return notFoundAsConfigurationError('ACCOUNTS_PARAMETER_NAME', source.name, () =>
        getParameter(source.name, { decrypt: true, maxAge, throwOnMissing: true }),
      );
  }
}

/** Forgets every kept document (files and Powertools' caches); for tests. */
export function clearAccountsDocumentCache(): void {
  fileCache.clear();
  clearCaches();
}
