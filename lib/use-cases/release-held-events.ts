// poll-shipstation (each poll job) → releaseHeldEvents → held events in DynamoDB → Klaviyo Bulk Create Events.
// Events held while the account's Klaviyo key was refused, or while Klaviyo was down, are sent once a key works and
// Klaviyo answers: with their original time and unique_id, oldest first, flagged backfill only when older than
// BACKFILL_AFTER_HOURS (so a day-old "shipped" does not trigger a flow), through the same ledger claims as every other
// send, so none is sent twice. The release that empties an outage's backlog ends the outage.
import { BadInputError, KlaviyoRejectedError, TransientError } from '../domain/errors.js';
import type { KlaviyoCredentialCheck } from '../ports.js';
import { keyState, reportRejectedKey, reportWorkingKey, type KeyState } from './credential-health.js';
import { sendInBulk, type HistoryOutcome, type Pending, type PublishHistoryDeps } from './publish-history.js';
import { noOutcome } from './sending.js';

export interface ReleaseHeldEventsDeps extends Omit<PublishHistoryDeps, 'concurrency'> {
  klaviyoCheck: KlaviyoCredentialCheck;
}

export interface ReleaseOutcome {
  /** `paused`: the key is still refused or Klaviyo still fails; `continue`: time ran short with events left. */
  status: 'done' | 'paused' | 'continue';
  sent: number;
  deadLettered: number;
  /** Events still held afterwards (the backlog an alarm watches). */
  remaining: number;
  /** The Klaviyo key's state when the release began (`outage`: Klaviyo had failed past its retries). */
  keyState: KeyState;
}

export type ReleaseHeldEvents = (accountId: string, limits: { timeLeftMs(): number; reserveMs: number }) => Promise<ReleaseOutcome>;

/** Held events read and sent per round: one Bulk Create Events request's worth. */
const PAGE_SIZE = 1_000;
/** Claims written at once. */
const CLAIM_CONCURRENCY = 25;
const HOUR = 3_600_000;

/**
 * Builds the use case that releases an account's held events. While the key is refused, one cheap probe decides
 * whether it works again (the same key may be fixed, e.g. a scope added); otherwise nothing is sent.
 */
export function makeReleaseHeldEvents(deps: ReleaseHeldEventsDeps): ReleaseHeldEvents {
  /** Whether Klaviyo answers a request that carries no event (the key probe): then a failing chunk is its own fault. */
  const klaviyoAnswers = async (accountId: string): Promise<boolean> => {
    try {
      await deps.klaviyoCheck.checkCredentials(accountId);
      return true;
    } catch (error) {
      return !(error instanceof TransientError);
    }
  };
  const endOutage = async (accountId: string): Promise<void> => {
    if (await deps.credentials.clearOutage(accountId, 'klaviyo')) deps.log.info("klaviyo answers again; the account's events go out at once", { accountId });
  };
  /** True when the key may be used: it works, it replaced a refused one, or the probe says it works again (in an outage: always, the send is the probe). */
  const keyUsable = async (accountId: string): Promise<boolean> => {
    const account = deps.accounts.find(accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
    if ((await keyState(deps, account, 'klaviyo')) !== 'paused') return true; // working, replaced, or outage (the send probes)
    try {
      await deps.klaviyoCheck.checkCredentials(account.id);
    } catch (error) {
      if (error instanceof KlaviyoRejectedError && error.isCredentialProblem) {
        await reportRejectedKey(deps, account, 'klaviyo', `${error.status} ${error.reason}`);
        return false;
      }
      if (error instanceof TransientError || error instanceof KlaviyoRejectedError) {
        // Inconclusive (Klaviyo down, or an answer the probe does not expect): stay paused, try again next poll.
        deps.log.warn('klaviyo key check inconclusive; events stay held', { accountId: account.id, reason: error.message });
        return false;
      }
      throw error;
    }
    await reportWorkingKey(deps, account, 'klaviyo', { queueCatchUp: false });
    return true;
  };

  return async (accountId, limits) => {
    const account = deps.accounts.find(accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
    const state = await keyState(deps, account, 'klaviyo');
    const result: ReleaseOutcome = { status: 'done', sent: 0, deadLettered: 0, remaining: 0, keyState: state };
    let page = await deps.held.list(account.id, PAGE_SIZE);
    if (page.events.length === 0) {
      // An outage with nothing (left) held: Klaviyo was never tried again; the next event is the probe.
      if (state === 'outage') await endOutage(account.id);
      return result;
    }
    if (!(await keyUsable(account.id))) return { ...result, status: 'paused', remaining: await deps.held.count(account.id) };
    const sendState = state === 'outage' ? 'working' : await keyState(deps, account, 'klaviyo');
    const cutoff = deps.clock.now().getTime() - deps.backfillAfterHours * HOUR;
    let endedOutage = state !== 'outage';
    for (;;) {
      const pending: Pending[] = [];
      const settled: string[] = [];
      for (let i = 0; i < page.events.length; i += CLAIM_CONCURRENCY) {
        await Promise.all(
          page.events.slice(i, i + CLAIM_CONCURRENCY).map(async (held) => {
            const claimed = await deps.ledger.claim(account.id, held.uniqueId, deps.clock.now());
            if (claimed.status === 'claimed') {
              // Sent late with its original time; flows are not triggered by what is older than the backfill age.
              const event = { ...held, backfill: held.backfill || Date.parse(held.time) < cutoff };
              pending.push({ account, event, claimId: claimed.claimId, keyState: sendState });
            } else if (claimed.status !== 'in-flight') {
              // Sent, suppressed (voided meanwhile) or dead-lettered since it was held: nothing left to send.
              settled.push(held.uniqueId);
            }
          }),
        );
      }
      // Oldest first, so flows that do fire see the changes in the order they happened.
      pending.sort((a, b) => a.event.time.localeCompare(b.event.time));
      const outcome: HistoryOutcome = { ...noOutcome(), bulkRequests: 0, failed: [] };
      await sendInBulk(deps, account, pending, outcome, { queueCatchUp: false, releasing: true, klaviyoAnswers: () => klaviyoAnswers(account.id) });
      const done = new Set([...outcome.sent, ...outcome.deadLettered]);
      await deps.held.remove(account.id, [...settled, ...pending.map((p) => p.event.uniqueId).filter((id) => done.has(id))]);
      result.sent += outcome.sent.length;
      result.deadLettered += outcome.deadLettered.length;
      if (outcome.held.length > 0) return { ...result, status: 'paused', remaining: await deps.held.count(account.id) };
      if (pending.length > 0)
        deps.log.info('held events released', { accountId: account.id, sent: outcome.sent.length, deadLettered: outcome.deadLettered.length });
      if (page.next === undefined) {
        if (endedOutage) return result;
        // Klaviyo takes events again: new events go straight out from now on. Those held between the last read and
        // this moment are sent by one more pass.
        await endOutage(account.id);
        endedOutage = true;
        page = await deps.held.list(account.id, PAGE_SIZE);
        if (page.events.length === 0) return result;
        continue;
      }
      if (limits.timeLeftMs() < limits.reserveMs) return { ...result, status: 'continue', remaining: await deps.held.count(account.id) };
      page = await deps.held.list(account.id, PAGE_SIZE, page.next);
    }
  };
}
