// Shared by every use case that calls ShipStation or Klaviyo: what a refused key does (mark it invalid, alert once,
// pause the account) and what its first success does (mark it valid, announce the recovery, start the catch-up).
import { recoveredKeyAlertText, rejectedKeyAlertText } from '../domain/key-expiry.js';
import type { Account, AlertLedger, Alerts, Clock, CredentialService, CredentialStatusStore, PollJobQueue } from '../ports.js';

export interface CredentialHealthDeps {
  credentials: CredentialStatusStore;
  alerts: Alerts;
  /** Claims each refused-key alert once per key and day, whatever flips the status (old containers, a bad new key). */
  alertLedger: AlertLedger;
  clock: Clock;
  /** Where the catch-up poll of a recovered account is queued (and the release jobs of an outage). */
  pollJobs: PollJobQueue;
  /** First delay of the jobs that release events held in a Klaviyo outage (OUTAGE_RETRY_SECONDS; doubles, 5 jobs). */
  outageRetrySeconds?: number;
  log: {
    info(message: string, data: Record<string, unknown>): void;
    error(message: string, data: Record<string, unknown>): void;
  };
}

/**
 * The state of an account's key for a service: `working` (nothing known against it), `paused` (this very key was
 * refused: make no call), `replaced` (a key refused earlier was replaced by this one: try it, and its first success
 * ends the pause), or `outage` (the key is fine but the service failed past its retries: hold what would be sent, so
 * it leaves in order once the service answers again).
 */
export type KeyState = 'working' | 'paused' | 'replaced' | 'outage';

/** The fingerprint of the account's current key for a service. */
export const keyFingerprint = (account: Account, service: CredentialService): string =>
  (service === 'shipstation' ? account.shipStationFingerprint : service === 'shipstation-v2' ? account.shipStationV2Fingerprint : account.klaviyoFingerprint) ??
  '(no key)';

/** The services an account has a key for: `shipstation` with a V1 key pair, `shipstation-v2` with a V2 key, `klaviyo` always. */
export const keyedServices = (account: Account): CredentialService[] => [
  ...(account.shipStationFingerprint === undefined ? [] : (['shipstation'] as const)),
  ...(account.shipStationV2Fingerprint === undefined ? [] : (['shipstation-v2'] as const)),
  'klaviyo',
];

/** What the service recorded against one of the account's keys, as an operator reads it (`doctor`, `status`). */
export interface RecordedKeyStatus {
  service: CredentialService;
  /**
   * `paused`: this very key was refused, no call uses it; `replaced`: a key refused earlier was replaced by this one,
   * whose first success ends the pause. Absent: nothing is recorded against the key.
   */
  pause?: { state: 'paused' | 'replaced'; since: string; reason?: string };
  /** The service failing past its retries (Klaviyo): the account's events are held meanwhile. */
  outage?: { since: string; reason: string };
}

/** Reads the status of each key the account has (keyedServices order), with its pause and outage. */
export async function recordedKeyStatuses(deps: { credentials: Pick<CredentialStatusStore, 'status'> }, account: Account): Promise<RecordedKeyStatus[]> {
  return Promise.all(
    keyedServices(account).map(async (service): Promise<RecordedKeyStatus> => {
      const status = await deps.credentials.status(account.id, service);
      const pause =
        status?.state === 'invalid'
          ? {
              state: status.fingerprint === keyFingerprint(account, service) ? ('paused' as const) : ('replaced' as const),
              since: status.since,
              ...(status.reason === undefined ? {} : { reason: status.reason }),
            }
          : undefined;
      return { service, ...(pause === undefined ? {} : { pause }), ...(status?.outage === undefined ? {} : { outage: status.outage }) };
    }),
  );
}

/** Reads the key's state (one consistent read). */
export async function keyState(deps: Pick<CredentialHealthDeps, 'credentials'>, account: Account, service: CredentialService): Promise<KeyState> {
  const status = await deps.credentials.status(account.id, service);
  if (status?.state !== 'invalid') return status?.outage === undefined ? 'working' : 'outage';
  return status.fingerprint === keyFingerprint(account, service) ? 'paused' : 'replaced';
}

/** Release jobs an outage queues by itself (1, 2, 4, 8, 15 min by default, SQS's longest delay: ~30 min); scheduled polls take over. */
export const OUTAGE_RELEASE_JOBS = 5;
/** SQS's longest message delay. */
const MAX_DELAY_SECONDS = 900;

/** The delay of an outage's release job number `attempt` (0-based). */
export const outageReleaseDelaySeconds = (firstSeconds: number, attempt: number): number => Math.min(MAX_DELAY_SECONDS, firstSeconds * 2 ** attempt);

/**
 * Records that Klaviyo fails for now past the in-invocation retries (5xx, 429, timeouts). The call that begins the
 * outage queues the first release job; the account's events are held meanwhile (keyState `outage`).
 */
export async function reportOutage(
  deps: CredentialHealthDeps & { log: { warn(message: string, data: Record<string, unknown>): void } },
  account: Account,
  reason: string,
): Promise<void> {
  if (!(await deps.credentials.markOutage(account.id, 'klaviyo', reason))) return;
  const firstSeconds = deps.outageRetrySeconds ?? 60;
  deps.log.warn("klaviyo unavailable; holding the account's events until it answers again", {
    accountId: account.id,
    reason,
    firstReleaseInSeconds: firstSeconds,
  });
  await deps.pollJobs.enqueue([{ accountId: account.id, reason: 'release', attempt: 0 }], outageReleaseDelaySeconds(firstSeconds, 0));
}

/**
 * Sends the alert about a refused key, at most once per key and UTC day (claimed in the alert ledger), and notes it
 * sent. A failed send is logged and left owed: the daily key check sends owed alerts, so the pause is never silent.
 */
export async function alertRejectedKey(deps: CredentialHealthDeps, account: Account, service: CredentialService, reason: string): Promise<void> {
  const fingerprint = keyFingerprint(account, service);
  const now = deps.clock.now();
  const alertId = `refused#${service}#${fingerprint}#${now.toISOString().slice(0, 10)}`;
  // Claimed already: sent today (an old container flipped the status back), or being sent by another worker.
  if (!(await deps.alertLedger.claim(account.id, alertId, now))) return;
  try {
    await deps.alerts.send({ accountId: account.id, ...rejectedKeyAlertText(account.id, service, reason) });
  } catch (error) {
    await deps.alertLedger.release(account.id, alertId);
    deps.log.error('alert about a refused key not sent; the daily key check sends it', {
      accountId: account.id,
      service,
      error: error instanceof Error ? error.message : String(error),
    });
    return;
  }
  await deps.alertLedger.confirm(account.id, alertId, now);
  await deps.credentials.markAlerted(account.id, service, fingerprint);
}

/**
 * Records that the account's current key was refused (401, or Klaviyo 403): the account pauses for that service. Only
 * the first report for the key raises the alert, however many workers hit the refusal at once.
 * @returns true for that first report
 */
export async function reportRejectedKey(deps: CredentialHealthDeps, account: Account, service: CredentialService, reason: string): Promise<boolean> {
  const first = await deps.credentials.markInvalid(account.id, service, keyFingerprint(account, service), reason);
  if (!first) return false;
  deps.log.error(`${service} credentials rejected; pausing the account`, { accountId: account.id, service, reason });
  await alertRejectedKey(deps, account, service, reason);
  return true;
}

/**
 * Records that the account's current key works. When that ends a pause, the recovery is announced once and (unless the
 * caller is the catch-up itself) a poll job is queued so the account catches up from its cursor and sends what is held.
 * @returns true when a pause ended
 */
export async function reportWorkingKey(
  deps: CredentialHealthDeps,
  account: Account,
  service: CredentialService,
  options: { queueCatchUp: boolean },
): Promise<boolean> {
  const recovered = await deps.credentials.markValid(account.id, service, keyFingerprint(account, service));
  if (!recovered) return false;
  deps.log.info(`${service} credentials work again; the account resumes`, { accountId: account.id, service });
  if (options.queueCatchUp) await deps.pollJobs.enqueue([{ accountId: account.id, reason: 'resume' }]);
  try {
    await deps.alerts.send({ accountId: account.id, ...recoveredKeyAlertText(account.id, service) });
  } catch (error) {
    deps.log.error('recovery alert not sent', { accountId: account.id, service, error: error instanceof Error ? error.message : String(error) });
  }
  return true;
}
