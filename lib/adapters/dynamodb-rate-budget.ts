// RateBudget on DynamoDB: one item per ShipStation key fingerprint holding the current 60 s window (windowEnd, used)
// and the limit ShipStation last reported (serverLimit). Every Lambda takes from it before a request, with single-item
// conditional UpdateItems only, so concurrent takers can never be granted more than the limit in one window; every
// response is reconciled into it, so ShipStation's own count and window win whenever they are stricter than ours.
import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ObservedRate, RateBudget, RateGrant } from '../ports.js';
import { expiresAt, keyOf, keys } from './dynamodb-keys.js';

/** ShipStation V1's documented limit per API key + secret pair; the wiring uses it until a setting replaces it. */
export const SHIPSTATION_REQUESTS_PER_MINUTE = 40;

const WINDOW_MS = 60_000;
/** Idle budgets disappear a day after their last grant (on AWS; dynalite keeps them, which changes nothing). */
const RETENTION_DAYS = 1;
/** Read-and-decide rounds per take; more than two happen only when windows are reset concurrently. */
const MAX_TAKE_ATTEMPTS = 5;
/** The wait suggested when the rounds ran out under contention: short, the next take will most likely win. */
const CONTENDED_WAIT_MS = 250;
/**
 * Longest delay between ShipStation computing X-Rate-Limit-Reset and our reconciling it (the request timeout plus
 * the one-second rounding, generously). An observation whose window ends within this margin after ours began is
 * ShipStation's previous window reported late, not the current one.
 */
const LATE_OBSERVATION_MS = 10_000;
/** Forget the cached "serverLimit is stored" after this long, so an item that expired gets its limit back. */
const LIMIT_CACHE_MS = 3_600_000;

interface BudgetItem {
  used: number;
  windowEnd: number;
  serverLimit?: number;
}

const num = (value: number): AttributeValue => ({ N: String(value) });

export class DynamoDbRateBudget implements RateBudget {
  private readonly requestsPerMinute: number;
  /** Limits this container already stored, by fingerprint, so the limit costs one write per container, not per response. */
  private readonly storedLimits = new Map<string, { limit: number; at: number }>();
  /**
   * The count and window end this container last saw in the item (the values its own take or reconcile wrote): a
   * response that tells nothing stricter than them needs no write (see reconcile).
   */
  private readonly seen = new Map<string, { used: number; windowEnd: number }>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: { requestsPerMinute: number },
  ) {
    if (!Number.isInteger(options.requestsPerMinute) || options.requestsPerMinute < 1) throw new Error('requestsPerMinute must be a positive integer');
    this.requestsPerMinute = options.requestsPerMinute;
  }

  /**
   * Normally one UpdateItem (count one more in the current window). When the window is over or full: a consistent read,
   * then either a conditional reset (a new window with used = 1) or the wait until the window ends.
   */
  async take(keyFingerprint: string, now: Date): Promise<RateGrant> {
    const at = now.getTime();
    const common = { ':now': num(at), ':exp': expiresAt(now, RETENTION_DAYS) };
    for (let attempt = 1; attempt <= MAX_TAKE_ATTEMPTS; attempt += 1) {
      // The limit is min(our setting, ShipStation's last X-Rate-Limit-Limit); the second half is compared in the item.
      const counted = await this.update(
        keyFingerprint,
        'SET used = used + :one, expiresAt = :exp',
        'windowEnd > :now AND used < :limit AND (attribute_not_exists(serverLimit) OR used < serverLimit)',
        { ...common, ':one': num(1), ':limit': num(this.requestsPerMinute) },
      );
      if (counted !== false) return this.granted(keyFingerprint, counted);
      const item = await this.read(keyFingerprint);
      if (item === undefined || item.windowEnd <= at) {
        // Only one of several takers can start the window; the others see it current on their next round.
        const started = await this.update(
          keyFingerprint,
          'SET used = :one, windowEnd = :end, expiresAt = :exp',
          'attribute_not_exists(windowEnd) OR windowEnd <= :now',
          { ...common, ':one': num(1), ':end': num(at + WINDOW_MS) },
        );
        if (started !== false) return this.granted(keyFingerprint, started);
        continue;
      }
      if (item.used >= Math.min(this.requestsPerMinute, item.serverLimit ?? Number.POSITIVE_INFINITY)) {
        return { granted: false, waitMs: item.windowEnd - at };
      }
      // A window was reset between our failed count and our read: count again.
    }
    return { granted: false, waitMs: CONTENDED_WAIT_MS };
  }

  /**
   * One conditional UpdateItem: ShipStation's count and window replace ours when they are stricter, and a failed
   * condition means we already knew as much (the normal case: our count includes requests ShipStation has not seen yet).
   * Adopted when
   * - no window of ours is running (ShipStation's is then the only one), or
   * - ShipStation counted more and its window is not the previous one reported late; its end may then be earlier than
   *   ours (another client opened it before we did): X-Rate-Limit-Reset is rounded up and read after the fact, so it
   *   never ends the window before ShipStation does, or
   * - ShipStation counted as many and its window ends later (it began when our first request arrived, after our take).
   * An older response never loosens the budget: it reports fewer requests than we already know of (no change), or it
   * describes the previous window, which ends about a minute before ours (no change).
   * ShipStation's window is never taken to end more than one window (60 s) from now: V1's limit is per minute, so a
   * longer X-Rate-Limit-Reset is a fault, and one such header must not close the key's budget for hours.
   */
  async reconcile(keyFingerprint: string, observed: ObservedRate, now: Date): Promise<void> {
    const at = now.getTime();
    const limit = observed.limit ?? this.requestsPerMinute;
    const serverUsed = Math.max(0, limit - observed.remaining);
    const serverEnd = at + Math.min(WINDOW_MS, Math.max(0, observed.resetSeconds) * 1000);
    if (observed.limit !== undefined) await this.storeLimit(keyFingerprint, observed.limit, now);
    // Nothing to adopt, now or when our window ends: ShipStation's window ends within ours and it counted no more than
    // we had when this container last wrote the item. The usual case once a window's end is known (X-Rate-Limit-Reset
    // is rounded up, so later responses rarely tell a later end), and the write below would fail its condition.
    const seen = this.seen.get(keyFingerprint);
    if (seen !== undefined && seen.windowEnd > at && serverEnd <= seen.windowEnd && serverUsed <= seen.used) return;
    const adopted = await this.update(
      keyFingerprint,
      `SET used = :serverUsed, windowEnd = :serverEnd, expiresAt = :exp${observed.limit === undefined ? '' : ', serverLimit = :serverLimit'}`,
      'attribute_not_exists(windowEnd) OR windowEnd <= :now' +
        ' OR (used < :serverUsed AND windowEnd < :adoptBefore)' +
        ' OR (used = :serverUsed AND windowEnd < :serverEnd)',
      {
        ':now': num(at),
        ':exp': expiresAt(now, RETENTION_DAYS),
        ':serverUsed': num(serverUsed),
        ':serverEnd': num(serverEnd),
        ':adoptBefore': num(serverEnd + WINDOW_MS - LATE_OBSERVATION_MS),
        ...(observed.limit === undefined ? {} : { ':serverLimit': num(observed.limit) }),
      },
    );
    if (adopted !== false) this.seen.set(keyFingerprint, { used: serverUsed, windowEnd: serverEnd });
  }

  /** A grant, remembering the count and window the take left in the item. */
  private granted(keyFingerprint: string, item: Record<string, AttributeValue>): RateGrant {
    const used = Number(item.used?.N);
    const windowEnd = Number(item.windowEnd?.N);
    if (Number.isFinite(used) && Number.isFinite(windowEnd)) this.seen.set(keyFingerprint, { used, windowEnd });
    return { granted: true };
  }

  /**
   * The second write, at most once per container and key (and whenever ShipStation changes the limit): the count and
   * window update above fails in the normal case, so it cannot be relied on to carry the limit.
   */
  private async storeLimit(keyFingerprint: string, limit: number, now: Date): Promise<void> {
    const known = this.storedLimits.get(keyFingerprint);
    if (known !== undefined && known.limit === limit && now.getTime() - known.at < LIMIT_CACHE_MS) return;
    await this.update(keyFingerprint, 'SET serverLimit = :serverLimit, expiresAt = :exp', 'attribute_not_exists(serverLimit) OR serverLimit <> :serverLimit', {
      ':serverLimit': num(limit),
      ':exp': expiresAt(now, RETENTION_DAYS),
    });
    this.storedLimits.set(keyFingerprint, { limit, at: now.getTime() });
  }

  /** A conditional UpdateItem: the item as it wrote it, or false when the condition failed. */
  private async update(
    keyFingerprint: string,
    expression: string,
    condition: string,
    values: Record<string, AttributeValue>,
  ): Promise<Record<string, AttributeValue> | false> {
    try {
      const { Attributes: item = {} } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(keys.rateBudget(keyFingerprint)),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return item;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async read(keyFingerprint: string): Promise<BudgetItem | undefined> {
    const { Item: item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(keys.rateBudget(keyFingerprint)), ConsistentRead: true }),
    );
    if (item?.windowEnd?.N === undefined) return undefined;
    return {
      used: Number(item.used?.N ?? '0'),
      windowEnd: Number(item.windowEnd.N),
      serverLimit: item.serverLimit?.N === undefined ? undefined : Number(item.serverLimit.N),
    };
  }
}
