import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { clearAccountsDocumentCache, readAccountsDocument } from '../../lib/adapters/accounts-document-reader.js';
import { ConfigurationError } from '../../lib/config.js';

const secretsManager = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:sync-accounts-AbCdEf';
const PARAMETER_NAME = '/sync/accounts';
const FIRST = '{"accounts":[{"id":"first"}]}';
const ROTATED = '{"accounts":[{"id":"rotated"}]}';

/** Moves the clock (Date, which both our file cache and Powertools' cache read) forward. */
const advanceSeconds = (seconds: number): void => {
  jest.setSystemTime(Date.now() + seconds * 1000);
};

/** Returns the error that a promise rejects with. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('the promise resolved');
}

beforeEach(() => {
  clearAccountsDocumentCache();
  secretsManager.reset();
  ssm.reset();
  jest.useFakeTimers({ now: new Date('2026-07-04T12:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
});

afterEach(() => {
  jest.useRealTimers();
});

afterAll(() => {
  secretsManager.restore();
  ssm.restore();
});

describe('readAccountsDocument', () => {
  it('returns nothing for the environment path and calls no store', async () => {
    // Act
    const document = await readAccountsDocument({ kind: 'env' }, { maxAgeSeconds: 60 });

    // Assess
    expect(document).toBeUndefined();
    expect(secretsManager.calls()).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
  });

  describe('from Secrets Manager', () => {
    it('reads the secret string once, then serves it from the cache within maxAge', async () => {
      // Prepare
      secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: FIRST });

      // Act
      const first = await readAccountsDocument({ kind: 'secrets-manager', id: SECRET_ARN }, { maxAgeSeconds: 60 });
      advanceSeconds(59);
      const second = await readAccountsDocument({ kind: 'secrets-manager', id: SECRET_ARN }, { maxAgeSeconds: 60 });

      // Assess
      expect(first).toBe(FIRST);
      expect(second).toBe(FIRST);
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    });

    it('picks up a rotated secret once maxAge has passed', async () => {
      // Prepare
      secretsManager.on(GetSecretValueCommand).resolvesOnce({ SecretString: FIRST }).resolves({ SecretString: ROTATED });
      const source = { kind: 'secrets-manager', id: SECRET_ARN } as const;

      // Act
      const first = await readAccountsDocument(source, { maxAgeSeconds: 60 });
      advanceSeconds(61);
      const afterRotation = await readAccountsDocument(source, { maxAgeSeconds: 60 });

      // Assess
      expect(first).toBe(FIRST);
      expect(afterRotation).toBe(ROTATED);
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    });

    it('reads every time when maxAge is 0', async () => {
      // Prepare
      secretsManager.on(GetSecretValueCommand).resolves({ SecretString: FIRST });
      const source = { kind: 'secrets-manager', id: SECRET_ARN } as const;

      // Act
      await readAccountsDocument(source, { maxAgeSeconds: 0 });
      await readAccountsDocument(source, { maxAgeSeconds: 0 });

      // Assess
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    });

    it('decodes a secret stored as binary', async () => {
      // Prepare
      secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new TextEncoder().encode(FIRST) });

      // Act
      const document = await readAccountsDocument({ kind: 'secrets-manager', id: SECRET_ARN }, { maxAgeSeconds: 60 });

      // Assess
      expect(document).toBe(FIRST);
    });

    it('names the secret in a ConfigurationError when it does not exist', async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand)
        .rejects(new ResourceNotFoundException({ message: 'Secrets Manager can\u2019t find the specified secret.', $metadata: {} }));

      // Act
      const error = await rejectionOf(readAccountsDocument({ kind: 'secrets-manager', id: SECRET_ARN }, { maxAgeSeconds: 60 }));

      // Assess
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).problems).toEqual([`ACCOUNTS_SECRET_ID ${SECRET_ARN} was not found`]);
    });

    it('lets a refused read through as it is, not as a configuration problem', async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand)
        .rejects(Object.assign(new Error('not authorized to perform secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' }));

      // Act
      const error = await rejectionOf(readAccountsDocument({ kind: 'secrets-manager', id: SECRET_ARN }, { maxAgeSeconds: 60 }));

      // Assess
      expect(error).not.toBeInstanceOf(ConfigurationError);
      expect((error as Error).name).toBe('AccessDeniedException');
      expect((error as Error).message).toContain('not authorized');
    });
  });

  describe('from SSM Parameter Store', () => {
    it('reads the SecureString decrypted, then serves it from the cache within maxAge', async () => {
      // Prepare
      ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER_NAME, Type: 'SecureString', Value: FIRST } });
      const source = { kind: 'ssm', name: PARAMETER_NAME } as const;

      // Act
      const first = await readAccountsDocument(source, { maxAgeSeconds: 60 });
      advanceSeconds(30);
      const second = await readAccountsDocument(source, { maxAgeSeconds: 60 });

      // Assess
      expect(first).toBe(FIRST);
      expect(second).toBe(FIRST);
      const calls = ssm.commandCalls(GetParameterCommand);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.args[0].input).toEqual({ Name: PARAMETER_NAME, WithDecryption: true });
    });

    it('picks up a changed parameter once maxAge has passed', async () => {
      // Prepare
      ssm
        .on(GetParameterCommand)
        .resolvesOnce({ Parameter: { Value: FIRST } })
        .resolves({ Parameter: { Value: ROTATED } });
      const source = { kind: 'ssm', name: PARAMETER_NAME } as const;

      // Act
      const first = await readAccountsDocument(source, { maxAgeSeconds: 60 });
      advanceSeconds(61);
      const afterChange = await readAccountsDocument(source, { maxAgeSeconds: 60 });

      // Assess
      expect(first).toBe(FIRST);
      expect(afterChange).toBe(ROTATED);
      expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
    });

    it('names the parameter in a ConfigurationError when it does not exist', async () => {
      // Prepare
      ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'ParameterNotFound', $metadata: {} }));

      // Act
      const error = await rejectionOf(readAccountsDocument({ kind: 'ssm', name: PARAMETER_NAME }, { maxAgeSeconds: 60 }));

      // Assess
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).problems).toEqual([`ACCOUNTS_PARAMETER_NAME ${PARAMETER_NAME} was not found`]);
    });
  });

  describe('from a file', () => {
    let directory: string;

    beforeEach(async () => {
      directory = await mkdtemp(join(tmpdir(), 'accounts-document-'));
    });

    afterEach(async () => {
      await rm(directory, { recursive: true, force: true });
    });

    it('reads the file, keeps it within maxAge and reads it again after', async () => {
      // Prepare
      const path = join(directory, 'accounts.json');
      await writeFile(path, FIRST);

      // Act
      const first = await readAccountsDocument({ kind: 'file', path }, { maxAgeSeconds: 60 });
      await writeFile(path, ROTATED);
      const withinMaxAge = await readAccountsDocument({ kind: 'file', path }, { maxAgeSeconds: 60 });
      advanceSeconds(61);
      const afterMaxAge = await readAccountsDocument({ kind: 'file', path }, { maxAgeSeconds: 60 });

      // Assess
      expect(first).toBe(FIRST);
      expect(withinMaxAge).toBe(FIRST);
      expect(afterMaxAge).toBe(ROTATED);
    });

    it('reads the file every time when maxAge is 0', async () => {
      // Prepare
      const path = join(directory, 'accounts.json');
      await writeFile(path, FIRST);

      // Act
      await readAccountsDocument({ kind: 'file', path }, { maxAgeSeconds: 0 });
      await writeFile(path, ROTATED);
      const second = await readAccountsDocument({ kind: 'file', path }, { maxAgeSeconds: 0 });

      // Assess
      expect(second).toBe(ROTATED);
    });

    it('names a missing file in a ConfigurationError', async () => {
      // Prepare
      const path = join(directory, 'missing.json');

      // Act
      const error = await rejectionOf(readAccountsDocument({ kind: 'file', path }, { maxAgeSeconds: 60 }));

      // Assess
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).problems).toEqual([`ACCOUNTS_FILE ${path} does not exist`]);
    });
  });
});
