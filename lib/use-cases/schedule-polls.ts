// schedule-polls (EventBridge rate) → schedulePolls → polls queue: one job per account, so each account is polled in
// its own invocation and one account's backlog, rate limit or expired key never delays another.
import type { PollJobQueue, WebhookAccounts } from '../ports.js';

export interface SchedulePollsDeps {
  accounts: WebhookAccounts;
  pollJobs: PollJobQueue;
}

export type SchedulePolls = () => Promise<{ accounts: string[] }>;

/** Queues the scheduled poll of every configured account. */
export function makeSchedulePolls(deps: SchedulePollsDeps): SchedulePolls {
  return async () => {
    const accounts = deps.accounts.list().map((a) => a.id);
    await deps.pollJobs.enqueue(accounts.map((accountId) => ({ accountId, reason: 'schedule' as const })));
    return { accounts };
  };
}
