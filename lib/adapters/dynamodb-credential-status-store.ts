// CredentialStatusStore on DynamoDB: one item per (account, service) saying whether the key with a given fingerprint
// was found invalid. A rotated key has a new fingerprint, so it is tried at once without anyone clearing the old mark;
// its first success turns the item back to valid (conditional writes, so each transition is reported once). For a
// while after that, a refusal of the key it replaced is ignored: a container still holding the old key (until its
// accounts cache expires) must not pause the account again and send a second pair of alerts. The same item marks an
// outage (Klaviyo failing past its retries): a refused key's mark (a whole new item) supersedes it.
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RETIRED_KEY_GRACE_MS } from '../domain/key-expiry.js';
import type { CredentialService, CredentialStatus, CredentialStatusStore } from '../ports.js';
import { keyOf, keys } from './dynamodb-keys.js';

const isConditionFailure = (error: unknown): boolean => error instanceof ConditionalCheckFailedException;

export class DynamoDbCredentialStatusStore implements CredentialStatusStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
    /** How long refusals of a just-replaced key are ignored (at least RETIRED_KEY_GRACE_MS; more with a longer accounts cache). */
    private readonly retiredKeyGraceMs: number = RETIRED_KEY_GRACE_MS,
    /**
     * How long this container trusts a read that found a key of these services working (no refusal, no outage), so a
     * batch of messages for one account reads it once. A refusal or outage recorded meanwhile by another container is
     * met the way two workers at the same moment meet it: the next call fails and finds it recorded. Klaviyo only in
     * the workers: a stale read there costs one refused Create Event, then the event is held; ShipStation's key is
     * read every time, so a refused key sees no extra request.
     */
    private readonly workingCache: { ms: number; services: readonly CredentialService[] } = { ms: 0, services: [] },
  ) {}

  /** Reads that found a key working, by account and service, with when they expire (promises: concurrent calls share one read). */
  private readonly working = new Map<string, { until: number; read: Promise<CredentialStatus | undefined> }>();

  async status(accountId: string, service: CredentialService): Promise<CredentialStatus | undefined> {
    if (this.workingCache.ms <= 0 || !this.workingCache.services.includes(service)) return this.read(accountId, service);
    const key = `${accountId}\u0000${service}`;
    const at = this.now().getTime();
    const cached = this.working.get(key);
    if (cached !== undefined && cached.until > at) return cached.read;
    const read = this.read(accountId, service);
    this.working.set(key, { until: at + this.workingCache.ms, read });
    try {
      const status = await read;
      if (status !== undefined && (status.state === 'invalid' || status.outage !== undefined)) this.forget(accountId, service);
      return status;
    } catch (error) {
      this.forget(accountId, service);
      throw error;
    }
  }

  /** Drops this container's cached read of the key (it is about to change, or was found not working). */
  private forget(accountId: string, service: CredentialService): void {
    this.working.delete(`${accountId}\u0000${service}`);
  }

  private async read(accountId: string, service: CredentialService): Promise<CredentialStatus | undefined> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.credential(accountId, service)), ConsistentRead: true }),
    );
    if (item === undefined) return undefined;
    return {
      state: item.status?.S === 'INVALID' ? 'invalid' : 'valid',
      fingerprint: item.fingerprint?.S ?? '',
      since: item.since?.S ?? '',
      ...(item.reason?.S === undefined ? {} : { reason: item.reason.S }),
      ...(item.alertedAt?.S === undefined ? {} : { alertedAt: item.alertedAt.S }),
      ...(item.outageSince?.S === undefined ? {} : { outage: { since: item.outageSince.S, reason: item.outageReason?.S ?? '' } }),
    };
  }

  async markOutage(accountId: string, service: CredentialService, reason: string): Promise<boolean> {
    this.forget(accountId, service);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.credential(accountId, service)),
          // A status item may not exist yet (no key was ever refused): the outage alone creates it, state valid.
          UpdateExpression: 'SET accountId = :account, service = :service, outageSince = :now, outageReason = :reason',
          ConditionExpression: 'attribute_not_exists(outageSince)',
          ExpressionAttributeValues: {
            ':account': { S: accountId },
            ':service': { S: service },
            ':now': { S: this.now().toISOString() },
            ':reason': { S: reason.slice(0, 500) },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async clearOutage(accountId: string, service: CredentialService): Promise<boolean> {
    this.forget(accountId, service);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.credential(accountId, service)),
          UpdateExpression: 'REMOVE outageSince, outageReason',
          ConditionExpression: 'attribute_exists(outageSince)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markInvalid(accountId: string, service: CredentialService, fingerprint: string, reason: string): Promise<boolean> {
    this.forget(accountId, service);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(keys.credential(accountId, service)),
            accountId: { S: accountId },
            service: { S: service },
            status: { S: 'INVALID' },
            fingerprint: { S: fingerprint },
            reason: { S: reason.slice(0, 500) },
            since: { S: this.now().toISOString() },
          },
          // Only the first report for this key wins; a report about another key replaces an older mark, unless it is
          // about the key that was just replaced.
          ConditionExpression:
            'attribute_not_exists(pk) OR ((attribute_not_exists(#s) OR #s <> :invalid OR fingerprint <> :fp) AND NOT (retiredFingerprint = :fp AND since > :graceStart))',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':invalid': { S: 'INVALID' },
            ':fp': { S: fingerprint },
            ':graceStart': { S: new Date(this.now().getTime() - this.retiredKeyGraceMs).toISOString() },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markValid(accountId: string, service: CredentialService, fingerprint: string): Promise<boolean> {
    this.forget(accountId, service);
    const current = await this.status(accountId, service);
    if (current?.state !== 'invalid') return false;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.credential(accountId, service)),
          // The replaced key is remembered for the grace period; the same key working again replaces nothing. A send just
          // worked, so an outage marked meanwhile is over too (the catch-up job the recovery queues releases what is held).
          UpdateExpression:
            current.fingerprint === fingerprint
              ? 'SET #s = :valid, fingerprint = :fp, since = :now REMOVE reason, alertedAt, retiredFingerprint, outageSince, outageReason'
              : 'SET #s = :valid, fingerprint = :fp, since = :now, retiredFingerprint = :old REMOVE reason, alertedAt, outageSince, outageReason',
          // Only the one transition from this very mark is reported.
          ConditionExpression: '#s = :invalid AND fingerprint = :old',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':valid': { S: 'VALID' },
            ':invalid': { S: 'INVALID' },
            ':fp': { S: fingerprint },
            ':old': { S: current.fingerprint },
            ':now': { S: this.now().toISOString() },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markAlerted(accountId: string, service: CredentialService, fingerprint: string): Promise<void> {
    this.forget(accountId, service);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.credential(accountId, service)),
          UpdateExpression: 'SET alertedAt = :now',
          ConditionExpression: '#s = :invalid AND fingerprint = :fp',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':invalid': { S: 'INVALID' }, ':fp': { S: fingerprint }, ':now': { S: this.now().toISOString() } },
        }),
      );
    } catch (error) {
      // The key recovered or was replaced meanwhile: there is no invalid mark left to note the alert on.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async isInvalid(accountId: string, service: CredentialService, fingerprint: string): Promise<boolean> {
    const status = await this.status(accountId, service);
    return status?.state === 'invalid' && status.fingerprint === fingerprint;
  }
}
