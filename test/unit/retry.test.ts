// The retry backoff of the consumed queues (lib/domain/retry.ts), and its agreement with infra/queues.yml.
import { readFileSync } from 'node:fs';
import { cappedPolicy, RETRY_POLICIES, retryDelaySeconds, retryWindowSeconds, type RetriedQueue } from '../../lib/domain/retry.js';

const policy = { firstDelaySeconds: 2, maxDelaySeconds: 300, maxReceiveCount: 16 };

describe('retryDelaySeconds', () => {
  it('doubles from the first delay with every receive, up to the longest', () => {
    // Act
    const delays = [1, 2, 3, 4, 8, 9, 10, 16].map((receive) => retryDelaySeconds(policy, receive, 0.999999));

    // Assess
    expect(delays).toEqual([2, 4, 8, 16, 256, 300, 300, 300]);
  });

  it('draws the upper quarter at random, so failures that happened together do not come back together', () => {
    // Act
    const low = retryDelaySeconds(policy, 6, 0);
    const high = retryDelaySeconds(policy, 6, 0.999999);

    // Assess: 64 s → between 48 and 64
    expect(low).toBe(48);
    expect(high).toBe(64);
  });

  it('never comes back sooner than the remote side asked (Retry-After, a rate budget wait)', () => {
    // Act / Assess
    expect(retryDelaySeconds(policy, 1, 0, 45)).toBe(45);
    expect(retryDelaySeconds(policy, 10, 0, 45)).toBe(225);
    expect(retryDelaySeconds(policy, 1, 0, 0.2)).toBe(2);
  });

  it('stays within what SQS accepts, whatever it is told', () => {
    // Act / Assess
    expect(retryDelaySeconds(policy, 1, 0, 10 ** 9)).toBe(43_200);
    expect(retryDelaySeconds(policy, 1, 0, Number.NaN)).toBe(2);
    expect(retryDelaySeconds(policy, 0, 0)).toBe(2);
    expect(retryDelaySeconds(policy, 10_000, 0.5)).toBeLessThanOrEqual(300);
  });
});

describe('cappedPolicy', () => {
  it('caps the delays (local runs, tests) and keeps the receives; no cap keeps the policy', () => {
    // Act / Assess
    expect(cappedPolicy(RETRY_POLICIES.history, 2)).toEqual({ firstDelaySeconds: 2, maxDelaySeconds: 2, maxReceiveCount: 12 });
    expect(cappedPolicy(RETRY_POLICIES.updates, 60)).toEqual({ firstDelaySeconds: 2, maxDelaySeconds: 60, maxReceiveCount: 16 });
    expect(cappedPolicy(RETRY_POLICIES.polls, undefined)).toBe(RETRY_POLICIES.polls);
  });
});

describe('retry windows', () => {
  it('bounds each queue by total time: minutes to about an hour before its DLQ', () => {
    // Act
    const minutes = Object.fromEntries(Object.entries(RETRY_POLICIES).map(([queue, p]) => [queue, Math.round(retryWindowSeconds(p) / 60)]));

    // Assess: the figures infra/queues.yml and the README state
    expect(minutes).toEqual({ notifications: 49, updates: 49, history: 81, polls: 96 });
  });

  it('infra/queues.yml moves a message to its DLQ after the receives its policy counts on', () => {
    // Prepare
    const yaml = readFileSync(new URL('../../infra/queues.yml', import.meta.url), 'utf8');
    const names: Record<RetriedQueue, string> = { notifications: 'NotificationsQueue', updates: 'UpdatesQueue', history: 'HistoryQueue', polls: 'PollsQueue' };

    // Act
    const counts = Object.fromEntries(
      Object.entries(names).map(([queue, resource]) => {
        const block = yaml.slice(yaml.indexOf(`  ${resource}:\n`));
        return [queue, Number(/maxReceiveCount: (\d+)/.exec(block)?.[1])];
      }),
    );

    // Assess
    expect(counts).toEqual(Object.fromEntries(Object.entries(RETRY_POLICIES).map(([queue, p]) => [queue, p.maxReceiveCount])));
  });
});
