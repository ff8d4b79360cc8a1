// How soon a message whose handling failed comes back, per queue. A consumer that fails a record sets the message's
// visibility to the delay below (SQS ChangeMessageVisibility) before reporting it in batchItemFailures, so a transient
// failure is retried in seconds to minutes with backoff, not after the queue's visibility timeout (which stays at 6 ×
// the consumer's timeout for what a crash leaves behind). The dead-letter bound is the sum of the delays over the
// queue's maxReceiveCount (infra/queues.yml, docs/architecture.md "Retries and dead letters"); a test holds the two together.

export type RetriedQueue = 'notifications' | 'updates' | 'history' | 'polls';

export interface RetryPolicy {
  /** Delay after the first failed receive, seconds; it doubles with every receive after that. */
  firstDelaySeconds: number;
  /** The longest delay, seconds (SQS allows 12 hours; ours stay within minutes). */
  maxDelaySeconds: number;
  /** Receives before SQS moves the message to the queue's DLQ (the RedrivePolicy's maxReceiveCount). */
  maxReceiveCount: number;
}

/**
 * Per queue: the first retries come within seconds (a ShipStation hiccup, a lost race), later ones spread out to
 * minutes, and a message that keeps failing reaches its DLQ after a bounded time (see {@link retryWindowSeconds}):
 * - notifications: ~49 min. A webhook's fetch; a label that lands meanwhile would make the poll skip the status.
 * - updates: ~49 min. Klaviyo outages do not count against it: events are held in DynamoDB, not retried here.
 * - history: ~81 min. Bulk sends; Klaviyo outages are held here too.
 * - polls: ~96 min. Scheduled jobs come back every 30 minutes anyway; a backfill or a continuation does not.
 */
export const RETRY_POLICIES: Readonly<Record<RetriedQueue, RetryPolicy>> = {
  notifications: { firstDelaySeconds: 2, maxDelaySeconds: 300, maxReceiveCount: 16 },
  updates: { firstDelaySeconds: 2, maxDelaySeconds: 300, maxReceiveCount: 16 },
  history: { firstDelaySeconds: 5, maxDelaySeconds: 900, maxReceiveCount: 12 },
  polls: { firstDelaySeconds: 10, maxDelaySeconds: 900, maxReceiveCount: 12 },
};

/** A policy whose delays are at most `maxSeconds` (local runs and tests: retries within seconds; the receives stay). */
export function cappedPolicy(policy: RetryPolicy, maxSeconds: number | undefined): RetryPolicy {
  if (maxSeconds === undefined) return policy;
  return { ...policy, firstDelaySeconds: Math.min(policy.firstDelaySeconds, maxSeconds), maxDelaySeconds: Math.min(policy.maxDelaySeconds, maxSeconds) };
}

/** SQS's largest visibility timeout, seconds. */
const SQS_MAX_VISIBILITY_SECONDS = 43_200;

/**
 * The delay before the next receive of a message that failed on its `receiveCount`-th receive: doubling from the
 * policy's first delay up to its longest, with jitter (the upper quarter is drawn at random, so messages that failed
 * together do not come back together), and never shorter than what the remote side asked for (Retry-After, a rate
 * budget's wait).
 * @param random a number in [0, 1)
 */
export function retryDelaySeconds(policy: RetryPolicy, receiveCount: number, random: number, retryAfterSeconds?: number): number {
  const exponent = Math.max(0, Math.min(30, Math.floor(receiveCount) - 1));
  const backoff = Math.min(policy.maxDelaySeconds, policy.firstDelaySeconds * 2 ** exponent);
  const jittered = Math.max(1, Math.round(backoff * (0.75 + 0.25 * random)));
  const told = retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0 ? Math.ceil(retryAfterSeconds) : 0;
  return Math.min(SQS_MAX_VISIBILITY_SECONDS, Math.max(jittered, told));
}

/**
 * The longest a message that fails every receive stays out of the DLQ (no jitter, no Retry-After), seconds: the delays
 * after each of its receives, the last one included (SQS moves it when it would be received once more).
 */
export function retryWindowSeconds(policy: RetryPolicy): number {
  let total = 0;
  for (let receive = 1; receive <= policy.maxReceiveCount; receive += 1) {
    total += Math.min(policy.maxDelaySeconds, policy.firstDelaySeconds * 2 ** (receive - 1));
  }
  return total;
}
