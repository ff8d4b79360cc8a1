// The sending kernel every publishing use case shares: an event is claimed in the ledger (so one worker sends it once),
// then sent with Create Event and settled, held while Klaviyo refuses the key or is down, or dead-lettered.
import { KlaviyoRejectedError, TransientError } from '../domain/errors.js';
import { createEventBody, hasProfileIdentifier, type KlaviyoEvent } from '../domain/klaviyo-event.js';
import type { Account, Clock, EventLedger, HeldEventStore, KlaviyoApi, ServiceMetrics } from '../ports.js';
import { keyState, reportOutage, reportRejectedKey, reportWorkingKey, type CredentialHealthDeps, type KeyState } from './credential-health.js';

/** What sending an event needs: the ledger, Klaviyo, and where events wait while Klaviyo cannot take them. */
export interface SendingDeps extends CredentialHealthDeps {
  ledger: EventLedger;
  klaviyo: KlaviyoApi;
  /** Where events wait while the account's Klaviyo key is refused or Klaviyo is down. */
  held: HeldEventStore;
  metrics: ServiceMetrics;
  clock: Clock;
  log: CredentialHealthDeps['log'] & { warn(message: string, data: Record<string, unknown>): void };
}

/** What publishing one snapshot did; counted for logs and tests. */
export interface PublishOutcome {
  sent: string[];
  deduplicated: string[];
  deadLettered: string[];
  suppressed: string[];
  /** Events held because the account's Klaviyo key is refused or Klaviyo is down; sent once Klaviyo takes them again. */
  held: string[];
  stale: boolean;
  /** A label or fulfilment was put back to wait for its order (see WaitForOrder); nothing was sent yet. */
  waitingForOrder?: true;
  /** The order of a label or fulfilment was read from ShipStation (it was never seen). */
  orderLookedUp?: true;
}

/** An empty outcome. */
export const noOutcome = (): PublishOutcome => ({ sent: [], deduplicated: [], deadLettered: [], suppressed: [], held: [], stale: false });

const IN_FLIGHT_RECHECKS = 3;
const IN_FLIGHT_RECHECK_MS = 500;

/** A claim won for sending, with the state of the Klaviyo key it will be sent with. */
export interface Claimed {
  claimId: string;
  keyState: KeyState;
}

/** Hands one event on for sending (live: at once; history: collected for a bulk request). */
export type Deliver = (account: Account, event: KlaviyoEvent, outcome: PublishOutcome) => Promise<void>;

/**
 * Claims an event for sending and checks it can be sent: returns the claim's id, or undefined when it was already
 * handled, was dead-lettered (no email or phone), or was held because the account's Klaviyo key is refused.
 */
export async function claimForSending(deps: SendingDeps, account: Account, event: KlaviyoEvent, outcome: PublishOutcome): Promise<Claimed | undefined> {
  const ids = { accountId: account.id, orderId: event.orderId, uniqueId: event.uniqueId, metric: event.metric };
  let claimed = await deps.ledger.claim(account.id, event.uniqueId, deps.clock.now());
  // A claim held by another worker (the same event twice in one batch) is rechecked briefly.
  for (let recheck = 0; claimed.status === 'in-flight' && recheck < IN_FLIGHT_RECHECKS; recheck += 1) {
    await deps.clock.sleep(IN_FLIGHT_RECHECK_MS);
    claimed = await deps.ledger.claim(account.id, event.uniqueId, deps.clock.now());
  }
  if (claimed.status === 'in-flight') throw new TransientError(`event ${event.uniqueId} is being sent by another worker`);
  if (claimed.status !== 'claimed') {
    outcome.deduplicated.push(event.uniqueId);
    deps.metrics.eventsDeduplicated(1);
    deps.log.info('event already handled', { ...ids, claim: claimed.status });
    return undefined;
  }
  if (!hasProfileIdentifier(event.profile)) {
    // Not final: if the order later gets an email, the same event can still be sent.
    const reason =
      event.profile.emailRejected === true
        ? "the order's customer email cannot receive mail (not a valid address) and it has no valid phone number, so Klaviyo cannot attach the event to a profile"
        : account.shipStationFingerprint === undefined && event.properties.IsGift === true
          ? "a gift order read through ShipStation API V2, which does not name the buyer (no bill-to; the ship-to person is the gift's recipient, never messaged), so Klaviyo cannot attach the event to the buyer's profile; with a V1 key the buyer is known"
          : 'the order has no customer email and no valid phone number, so Klaviyo cannot attach the event to a profile';
    await deadLetterEvent(deps, event, claimed.claimId, reason, { final: false }, outcome);
    await deps.ledger.release(account.id, event.uniqueId, claimed.claimId);
    return undefined;
  }
  const state = await keyState(deps, account, 'klaviyo');
  if (state === 'paused' || state === 'outage') {
    // In an outage the events held before this one leave first, so this one waits behind them (order per profile).
    await holdEvents(
      deps,
      account,
      [{ event, claimId: claimed.claimId }],
      state === 'paused' ? 'the Klaviyo key is refused' : 'Klaviyo is unavailable',
      outcome,
    );
    // A release may have ended the outage while this was being held: it must not wait for the next scheduled poll.
    if (state === 'outage' && (await keyState(deps, account, 'klaviyo')) !== 'outage')
      await deps.pollJobs.enqueue([{ accountId: account.id, reason: 'release', attempt: 0 }]);
    return undefined;
  }
  return { claimId: claimed.claimId, keyState: state };
}

/**
 * Holds claimed events while the account's Klaviyo key is refused or Klaviyo is down: each is stored with its time and
 * unique_id, then its claim is released, so the held copy (or a redelivery) can send it once Klaviyo takes it again.
 */
export async function holdEvents(
  deps: SendingDeps,
  account: Account,
  claimed: { event: KlaviyoEvent; claimId: string }[],
  reason: string,
  outcome: PublishOutcome,
): Promise<void> {
  if (claimed.length === 0) return;
  await deps.held.hold(
    claimed.map((c) => c.event),
    reason,
    deps.clock.now(),
  );
  await Promise.all(claimed.map((c) => deps.ledger.release(account.id, c.event.uniqueId, c.claimId)));
  outcome.held.push(...claimed.map((c) => c.event.uniqueId));
  deps.metrics.eventsHeld(claimed.length);
  deps.log.warn('events held', { accountId: account.id, events: claimed.length, reason });
}

/** Writes the dead-letter record of an event; `final` also closes its ledger entry (only the claim's owner can). */
export async function deadLetterEvent(
  deps: SendingDeps,
  event: KlaviyoEvent,
  claimId: string,
  reason: string,
  options: { status?: number; final: boolean },
  outcome: PublishOutcome,
): Promise<void> {
  const ids = { accountId: event.accountId, orderId: event.orderId, uniqueId: event.uniqueId, metric: event.metric };
  const record = { ...ids, reason, status: options.status, body: createEventBody(event), at: deps.clock.now().toISOString() };
  await deps.ledger.deadLetter(record, options.final ? claimId : undefined);
  outcome.deadLettered.push(event.uniqueId);
  deps.metrics.deadLettered(1);
  if (options.status !== undefined) deps.metrics.klaviyoRejected(1);
  deps.log.error('event dead-lettered', { ...ids, reason, status: options.status });
}

/**
 * Sends one claimed event with Create Event and settles its claim: sent, held (the key is refused: 401/403, which
 * also pauses the account's sends and alerts once; or Klaviyo failed past the adapter's retries: 5xx, 429, timeouts,
 * which begins an outage), dead-lettered for good (any other rejection), or released and rethrown (anything else).
 */
export async function sendClaimed(
  deps: SendingDeps,
  account: Account,
  event: KlaviyoEvent,
  claimId: string,
  outcome: PublishOutcome,
  /** `dead-letter`: Klaviyo is known to answer (a release's probe), so a transient failure is this event's own. */
  options: { onTransient: 'hold' | 'dead-letter' } = { onTransient: 'hold' },
): Promise<void> {
  try {
    await deps.klaviyo.createEvent(event);
  } catch (error) {
    if (error instanceof KlaviyoRejectedError) {
      if (error.isCredentialProblem) {
        await reportRejectedKey(deps, account, 'klaviyo', `${error.status} ${error.reason}`);
        await holdEvents(deps, account, [{ event, claimId }], error.reason, outcome);
        return;
      }
      await deadLetterEvent(deps, event, claimId, error.reason, { status: error.status, final: true }, outcome);
      return;
    }
    if (error instanceof TransientError && options.onTransient === 'dead-letter') {
      // Klaviyo answers other requests but keeps failing this one: held again it would stall the account's backlog.
      await deadLetterEvent(deps, event, claimId, `Klaviyo kept failing this event while it answered others: ${error.message}`, { final: true }, outcome);
      return;
    }
    if (error instanceof TransientError) {
      await holdEvents(deps, account, [{ event, claimId }], `Klaviyo is unavailable: ${error.message}`, outcome);
      await reportOutage(deps, account, error.message);
      return;
    }
    await deps.ledger.release(account.id, event.uniqueId, claimId);
    throw error;
  }
  await deps.ledger.markSent(account.id, event.uniqueId, claimId, event.metric, deps.clock.now());
  outcome.sent.push(event.uniqueId);
  deps.metrics.eventsSent(event.metric, 1);
  deps.log.info('event sent', { accountId: account.id, orderId: event.orderId, uniqueId: event.uniqueId, metric: event.metric, backfill: event.backfill });
}

/** After a send Klaviyo accepted with a key that replaced a refused one: the pause ends (announced once, catch-up queued). */
export async function noteAccepted(deps: SendingDeps, account: Account, sentWith: KeyState): Promise<void> {
  if (sentWith === 'replaced') await reportWorkingKey(deps, account, 'klaviyo', { queueCatchUp: true });
}

/** Sends one live event at once with Create Event: claimed, sent, settled (the delivery of every live path). */
export function deliverLive(deps: SendingDeps): Deliver {
  return async (account, event, outcome) => {
    const claimed = await claimForSending(deps, account, event, outcome);
    if (claimed === undefined) return;
    await sendClaimed(deps, account, event, claimed.claimId, outcome);
    if (outcome.sent.includes(event.uniqueId)) await noteAccepted(deps, account, claimed.keyState);
  };
}
