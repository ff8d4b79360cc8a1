// poll-shipstation (each scheduled job, after its poll) → alertPollLag → poll cursor, alert ledger (DynamoDB) → SNS.
// The service-wide PollLagSeconds alarm says that some account lags; this says which: an account whose last completed
// poll is older than POLL_STALE_AFTER_MINUTES gets one alert naming it, its last poll and the command that says why,
// once per episode (an episode is named by the poll it lags behind, so a later stall alerts again).
import type { AlertLedger, Alerts, Clock, PollCursorStore } from '../ports.js';
import { isoSeconds } from '../domain/text.js';

/** Three missed 30-minute polls: `doctor` calls the poll stopped, `status` stuck, and the account's operators are told. */
export const POLL_STALE_AFTER_MINUTES = 90;

export interface AlertPollLagDeps {
  cursors: Pick<PollCursorStore, 'get'>;
  alerts: Alerts;
  alertLedger: AlertLedger;
  clock: Clock;
  log: { warn(message: string, data: Record<string, unknown>): void };
}

/** Alerts once when the account's polls have stopped completing; true when this call sent the alert. */
export type AlertPollLag = (accountId: string) => Promise<boolean>;

/** The alert about an account whose polls lag. */
export function pollLagAlertText(accountId: string, lastCompletedAt: string, minutes: number): { subject: string; message: string } {
  const hours = minutes >= 120 ? `${Math.floor(minutes / 60)} h` : `${Math.round(minutes)} min`;
  return {
    subject: `ShipStation polls of account ${accountId} have not completed for ${hours}`.slice(0, 100),
    message:
      `The last poll of account ${accountId} completed at ${isoSeconds(lastCompletedAt)}, ${hours} ago; a scheduled poll (every 30 minutes unless POLL_SCHEDULE says otherwise) just ran without completing. ` +
      'Changes ShipStation has not sent by webhook (orders marked shipped by hand or by a fulfilment partner, status changes) ' +
      `are not reaching Klaviyo meanwhile. \`shipstation-klaviyo doctor --account ${accountId}\` says why (a refused key, ` +
      "ShipStation's rate limit, a run that keeps failing); the poll-shipstation logs name the account on every line. " +
      'Nothing is lost: the next poll that completes sends what changed since.',
  };
}

export function makeAlertPollLag(deps: AlertPollLagDeps): AlertPollLag {
  return async (accountId) => {
    const lastCompletedAt = (await deps.cursors.get(accountId))?.lastCompletedAt;
    // An account whose first poll (its import) has not completed yet is not lagging: it has no poll to lag behind.
    if (lastCompletedAt === undefined) return false;
    const now = deps.clock.now();
    const minutes = (now.getTime() - Date.parse(lastCompletedAt)) / 60_000;
    if (!(minutes > POLL_STALE_AFTER_MINUTES)) return false;
    const alertId = `poll-lag#${lastCompletedAt}`;
    if (!(await deps.alertLedger.claim(accountId, alertId, now))) return false;
    try {
      await deps.alerts.send({ accountId, ...pollLagAlertText(accountId, lastCompletedAt, minutes) });
    } catch (error) {
      await deps.alertLedger.release(accountId, alertId);
      throw error;
    }
    await deps.alertLedger.confirm(accountId, alertId, deps.clock.now());
    deps.log.warn('poll lag alert sent', { accountId, lastCompletedAt, minutes: Math.round(minutes) });
    return true;
  };
}
