// The poll of one account as Lambda would run it, on a simulated clock (bench/import.ts, bench/import-v2.ts): each call
// is one invocation with a simulated deadline; a run stopped early is continued after its delay, as its SQS
// continuation job would be.
import { performance } from 'node:perf_hooks';
import type { SimulatedTime } from '../lib/local/simulated-time.js';
import type { PollAccount } from '../lib/use-cases/poll-account.js';

export interface PollLoopResult {
  status: string;
  invocations: number;
  /** Snapshots the runs enqueued. */
  enqueued: number;
}

/**
 * Polls `accountId` to the end of its run, one invocation after another.
 * @param onInvocation called after each invocation with its simulated waits and its host time (what Lambda bills)
 */
export async function pollToTheEnd(
  time: SimulatedTime,
  pollAccount: PollAccount,
  options: { accountId: string; timeoutMs: number; reserveMs: number; onInvocation?: (simMs: number, hostMs: number) => void },
): Promise<PollLoopResult> {
  let invocations = 0;
  let enqueued = 0;
  const status = await time.run(async () => {
    let job: Parameters<PollAccount>[0] = { accountId: options.accountId, reason: 'schedule' };
    for (;;) {
      invocations += 1;
      const simStart = time.now().getTime();
      const hostStart = performance.now();
      const deadline = simStart + options.timeoutMs;
      const outcome = await pollAccount(job, { timeLeftMs: () => deadline - time.now().getTime(), reserveMs: options.reserveMs });
      options.onInvocation?.(time.now().getTime() - simStart, performance.now() - hostStart);
      enqueued += outcome.runs.reduce((sum, run) => sum + run.enqueued, 0);
      if (outcome.status !== 'continue') return outcome.status;
      job = { accountId: options.accountId, reason: 'continue', continuation: outcome.continuation };
      await time.sleep(outcome.delaySeconds * 1000);
    }
  });
  return { status, invocations, enqueued };
}
