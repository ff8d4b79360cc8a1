// Reads the accounts document's text from its source (a file, Secrets Manager or SSM Parameter Store) and keeps it for
// maxAgeSeconds, so a rotated secret is picked up without a redeploy; parsing is loadConfig's job. The Secrets Manager
// and SSM clients are imported only when the document lives there, so no other deployment pays for loading them.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { ConfigurationError, type AccountsSource } from '../config.js';

/** The file's text; a missing or unreadable file names ACCOUNTS_FILE. */
async function readAccountsFile(absolute: string): Promise<string> {
  try {
    return await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'unknown error'})`;
    throw new ConfigurationError([`ACCOUNTS_FILE ${absolute} ${reason}`]);
  }
}

/** Reads kept by source (`file:<path>`, `secret:<id>`, `ssm:<name>`), with the time (ms since the epoch) they were read. */
const documentCache = new Map<string, { text: string; readAt: number }>();

/** A value read within maxAge (expired strictly after maxAge; 0 never keeps), or a fresh read that is then kept. */
async function cached(key: string, maxAgeSeconds: number, read: () => Promise<string>): Promise<string> {
  const kept = documentCache.get(key);
  if (kept !== undefined && maxAgeSeconds > 0 && kept.readAt + maxAgeSeconds * 1000 >= Date.now()) return kept.text;
  const text = await read();
  documentCache.set(key, { text, readAt: Date.now() });
  return text;
}

let secretsManager: SecretsManagerClient | undefined;
let ssm: SSMClient | undefined;

/** A secret stored as SecretBinary arrives as bytes; the document is UTF-8 JSON either way. */
const asText = (value: string | Uint8Array): string => (typeof value === 'string' ? value : new TextDecoder().decode(value));

/** The secret's text; a secret that does not exist (or holds no value) names ACCOUNTS_SECRET_ID; other failures pass through. */
async function readSecret(id: string): Promise<string> {
  const { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient: Client } = await import('@aws-sdk/client-secrets-manager');
  secretsManager ??= new Client({});
  try {
    const secret = await secretsManager.send(new GetSecretValueCommand({ SecretId: id }));
    const value = secret.SecretString ?? secret.SecretBinary;
    if (value !== undefined) return asText(value);
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  throw new ConfigurationError([`ACCOUNTS_SECRET_ID ${id} was not found`]);
}

/** The SecureString's decrypted text; a parameter that does not exist names ACCOUNTS_PARAMETER_NAME; other failures pass through. */
async function readParameter(name: string): Promise<string> {
  const { GetParameterCommand, ParameterNotFound, SSMClient: Client } = await import('@aws-sdk/client-ssm');
  ssm ??= new Client({});
  try {
    const read = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    if (read.Parameter?.Value !== undefined) return read.Parameter.Value;
  } catch (error) {
    if (!(error instanceof ParameterNotFound)) throw error;
  }
  throw new ConfigurationError([`ACCOUNTS_PARAMETER_NAME ${name} was not found`]);
}

/**
 * The accounts document's JSON text, or undefined when accounts come from the environment variables.
 * Secrets Manager and SSM are read with the SDK's own clients, imported on the first read.
 * @param source where the document lives (accountsSource)
 * @param options.maxAgeSeconds how long a read value is reused (accountsCacheSeconds)
 * @throws ConfigurationError when the file, secret or parameter does not exist; the SDK's error as it is when the store
 *   cannot be reached or refuses access
 */
export async function readAccountsDocument(source: AccountsSource, options: { maxAgeSeconds: number }): Promise<string | undefined> {
  const maxAge = options.maxAgeSeconds;
  switch (source.kind) {
    case 'env':
      return undefined;
    case 'file':
      return cached(`file:${resolve(source.path)}`, maxAge, () => readAccountsFile(resolve(source.path)));
    case 'secrets-manager':
      return cached(`secret:${source.id}`, maxAge, () => readSecret(source.id));
    case 'ssm':
      return cached(`ssm:${source.name}`, maxAge, () => readParameter(source.name));
  }
}

/** Forgets every kept document; for tests. */
export function clearAccountsDocumentCache(): void {
  documentCache.clear();
}
