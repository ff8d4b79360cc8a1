// check-key-expiry (EventBridge, daily) → checkKeyExpiry → per account: days until the ShipStation key expires
// (metric + threshold alerts claimed once in DynamoDB), and one cheap call per key (ShipStation GET /stores, a Klaviyo
// probe) so a key that stopped working is alerted even on a quiet day, and one that works again resumes the account.
import { KlaviyoRejectedError, ShipStationCredentialsError } from '../domain/errors.js';
import { mapLimit } from '../domain/map-limit.js';
import { daysUntilExpiry, expiryAlertId, expiryAlertText, reachedThreshold } from '../domain/key-expiry.js';
import type {
  Account,
  AccountDirectory,
  AlertLedger,
  Clock,
  CredentialService,
  HealthMetrics,
  KlaviyoCredentialCheck,
  ShipStationCredentialCheck,
  ShipStationV2Reader,
} from '../ports.js';
import { alertRejectedKey, keyFingerprint, reportRejectedKey, reportWorkingKey, type CredentialHealthDeps } from './credential-health.js';

export interface CheckKeyExpiryDeps extends CredentialHealthDeps {
  accounts: AccountDirectory;
  alertLedger: AlertLedger;
  shipStation: ShipStationCredentialCheck;
  /** Checks the V2 key of accounts that have one. */
  shipStationV2: Pick<ShipStationV2Reader, 'checkV2Credentials'>;
  klaviyo: KlaviyoCredentialCheck;
  metrics: HealthMetrics;
  clock: Clock;
  log: CredentialHealthDeps['log'] & { warn(message: string, data: Record<string, unknown>): void };
}

/** Accounts checked at once. */
const CHECK_CONCURRENCY = 8;

/** What the check found for one key. */
export type KeyCheck = 'works' | 'refused' | 'unknown';

export interface AccountKeyReport {
  accountId: string;
  /** Days until the V1 key expires; absent for an account on API V2 only (V2 keys carry no expiry date). */
  daysUntilExpiry?: number;
  /** The threshold alert this run sent, if any. */
  expiryAlert?: number;
  /** The V1 key pair (`unknown` too when the account has none). */
  shipStation: KeyCheck;
  /** The V2 API key, for accounts that have one. */
  shipStationV2?: KeyCheck;
  klaviyo: KeyCheck;
}

export type CheckKeyExpiry = () => Promise<AccountKeyReport[]>;

/**
 * Checks every account. An expiry alert is claimed before it is sent and given back when sending fails, so each
 * threshold of each key goes out once however often the check runs or is retried; a failure to send makes the
 * invocation fail (EventBridge retries it) after the other accounts were checked.
 */
export function makeCheckKeyExpiry(deps: CheckKeyExpiryDeps): CheckKeyExpiry {
  const expiryAlert = async (account: Account, key: { fingerprint: string; expiresOn: string }, days: number): Promise<number | undefined> => {
    const threshold = reachedThreshold(days);
    if (threshold === undefined) return undefined;
    const alertId = expiryAlertId(key.fingerprint, key.expiresOn, threshold);
    if (!(await deps.alertLedger.claim(account.id, alertId, deps.clock.now()))) return undefined;
    try {
      await deps.alerts.send({ accountId: account.id, ...expiryAlertText(account.id, key.expiresOn, days) });
    } catch (error) {
      await deps.alertLedger.release(account.id, alertId);
      throw error;
    }
    await deps.alertLedger.confirm(account.id, alertId, deps.clock.now());
    deps.log.warn('shipstation key expiry alert sent', { accountId: account.id, daysUntilExpiry: days, threshold });
    return threshold;
  };

  /** This run's probes, by service and key fingerprint. */
  let probes = new Map<string, Promise<unknown>>();

  /** One cheap call with the key: refused → paused and alerted once; works → a pause ends; anything else → unknown. */
  const checkKey = async (account: Account, service: CredentialService): Promise<{ check: KeyCheck; recovered: boolean }> => {
    try {
      // Accounts that share a key share its probe: one request per key and run, whatever the number of accounts (a key
      // pair's 40 requests a minute are not spent asking the same question), each account recording the answer.
      const shared = `${service}\u0000${keyFingerprint(account, service) ?? account.id}`;
      let probe = probes.get(shared);
      if (probe === undefined) {
        if (service === 'shipstation') probe = deps.shipStation.checkCredentials(account.id);
        else if (service === 'shipstation-v2') probe = deps.shipStationV2.checkV2Credentials(account.id);
        else probe = deps.klaviyo.checkCredentials(account.id);
        probes.set(shared, probe);
      }
      await probe;
    } catch (error) {
      const refused = error instanceof ShipStationCredentialsError || (error instanceof KlaviyoRejectedError && error.isCredentialProblem);
      if (!refused) {
        deps.log.warn('key check inconclusive', { accountId: account.id, service, reason: error instanceof Error ? error.message : String(error) });
        return { check: 'unknown', recovered: false };
      }
      const reason = error instanceof KlaviyoRejectedError ? `${error.status} ${error.reason}` : error.message;
      if (!(await reportRejectedKey(deps, account, service, reason))) {
        // Already known; send the alert if an earlier attempt could not.
        const status = await deps.credentials.status(account.id, service);
        if (status?.state === 'invalid' && status.fingerprint === keyFingerprint(account, service) && status.alertedAt === undefined) {
          await alertRejectedKey(deps, account, service, status.reason ?? reason);
        }
      }
      return { check: 'refused', recovered: false };
    }
    return { check: 'works', recovered: await reportWorkingKey(deps, account, service, { queueCatchUp: false }) };
  };

  const checkAccount = async (account: Account, failures: unknown[]): Promise<AccountKeyReport> => {
    const v1 =
      account.shipStationFingerprint === undefined || account.shipStationKeyExpiresOn === undefined
        ? undefined
        : { fingerprint: account.shipStationFingerprint, expiresOn: account.shipStationKeyExpiresOn };
    const days = v1 === undefined ? undefined : daysUntilExpiry(v1.expiresOn, deps.clock.now());
    if (days !== undefined) deps.metrics.daysUntilKeyExpiry(account.id, days);
    const report: AccountKeyReport = {
      accountId: account.id,
      ...(days === undefined ? {} : { daysUntilExpiry: days }),
      shipStation: 'unknown',
      klaviyo: 'unknown',
    };
    // Each step on its own: a failed alert must not skip the key checks, nor one account the others.
    const attempt = async (step: () => Promise<void>): Promise<void> => {
      try {
        await step();
      } catch (error) {
        failures.push(error);
        deps.log.error('key check of the account failed', { accountId: account.id, error: error instanceof Error ? error.message : String(error) });
      }
    };
    if (v1 !== undefined && days !== undefined) {
      await attempt(async () => {
        const sent = await expiryAlert(account, v1, days);
        if (sent !== undefined) report.expiryAlert = sent;
      });
    }
    let recovered = false;
    if (v1 !== undefined) {
      await attempt(async () => {
        const shipStation = await checkKey(account, 'shipstation');
        report.shipStation = shipStation.check;
        recovered ||= shipStation.recovered;
      });
    }
    if (account.shipStationV2Fingerprint !== undefined) {
      await attempt(async () => {
        const v2 = await checkKey(account, 'shipstation-v2');
        report.shipStationV2 = v2.check;
        recovered ||= v2.recovered;
      });
    }
    await attempt(async () => {
      const klaviyo = await checkKey(account, 'klaviyo');
      report.klaviyo = klaviyo.check;
      recovered ||= klaviyo.recovered;
    });
    // One catch-up for the account, whichever of its keys works again.
    if (recovered) await attempt(() => deps.pollJobs.enqueue([{ accountId: account.id, reason: 'resume' }]));
    return report;
  };

  return async () => {
    probes = new Map();
    const failures: unknown[] = [];
    // Accounts in parallel (each waits on its own key's ShipStation budget), so slow ones never starve the rest.
    const reports = await mapLimit(deps.accounts.list(), CHECK_CONCURRENCY, (account) => checkAccount(account, failures));
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} check(s) failed`);
    return reports;
  };
}
