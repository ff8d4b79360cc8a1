// CLI doctor → diagnoseAccount → both APIs (one cheap call each, plus GET /webhooks, and for an account with a V2 key
// GET /v2/environment/webhooks and a fresh fetch of the signing key sets) and what DynamoDB knows (pause marks, cursor,
// held events, dead letters, the last tracking webhook): one finding per concern, each problem with the fix an operator
// can apply.
// It only reads: it never marks a key, moves a cursor or alerts anyone.
import { BadInputError, KlaviyoRejectedError, ShipStationCredentialsError } from '../domain/errors.js';
import { daysUntilExpiry } from '../domain/key-expiry.js';
import type {
  AccountDirectory,
  Clock,
  CredentialStatusStore,
  EventLedger,
  HeldEventStore,
  KlaviyoCredentialCheck,
  PollCursorStore,
  QueueDepth,
  QueueDepths,
  ShipStationCredentialCheck,
  ShipStationV2Webhooks,
  ShipStationWebhooks,
  TrackingActivity,
  WebhookSignatureVerifier,
} from '../ports.js';
import {
  LEGACY_TRACKING_WEBHOOK_EVENT,
  REDUNDANT_TRACK_WEBHOOK_FIX,
  SUBSCRIBED_WEBHOOK_EVENTS,
  TRACKING_WEBHOOK_EVENT,
  TRACKING_WEBHOOK_EVENTS,
} from './register-webhooks.js';

export type FindingStatus = 'ok' | 'warn' | 'fail';

export interface Finding {
  check: string;
  status: FindingStatus;
  detail: string;
  /** What to do about it; present for every warn and fail. */
  fix?: string;
}

export interface AccountDiagnosis {
  accountId: string;
  /** broken: something is failing now; degraded: it works but needs attention soon; healthy: nothing to do. */
  verdict: 'healthy' | 'degraded' | 'broken';
  findings: Finding[];
}

export interface DiagnoseDeps {
  accounts: AccountDirectory;
  shipStation: ShipStationCredentialCheck & ShipStationWebhooks;
  klaviyo: KlaviyoCredentialCheck;
  /** The V2 webhooks, for accounts with a V2 key (tracking). */
  shipStationV2: Pick<ShipStationV2Webhooks, 'listV2Webhooks'>;
  /** When each account last received a tracking webhook. */
  trackingActivity: Pick<TrackingActivity, 'lastReceived'>;
  /** The key sets tracking webhooks are verified with, for accounts with a V2 key. */
  signatureVerifier: Pick<WebhookSignatureVerifier, 'checkKeySets'>;
  credentials: Pick<CredentialStatusStore, 'status'>;
  cursors: Pick<PollCursorStore, 'get'>;
  held: Pick<HeldEventStore, 'count'>;
  ledger: Pick<EventLedger, 'countDeadLetters'>;
  queues: QueueDepths;
  clock: Clock;
  /** A completed poll older than this means the schedule or the poll function is not working. */
  pollStaleAfterMinutes: number;
}

export type DiagnoseAccount = (accountId: string, options?: { webhookBaseUrl?: string }) => Promise<AccountDiagnosis>;

/** Days left below which the expiry is a warning (the first alert goes out at 30). */
const EXPIRY_WARN_DAYS = 30;
/** No tracking webhook for this long (while one is registered) is worth a look: a shop ships and scans more often. */
const TRACKING_QUIET_HOURS = 72;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const rotateShipStation = (accountId: string): string =>
  'generate a new API key and secret in ShipStation (Settings > Account > API Settings), store them with the new expiry date ' +
  `(README: "Rotating keys"), run \`shipstation-klaviyo doctor --account ${accountId}\` again, then delete the old key in ShipStation`;

/** `path?query` of a webhook target, the part that names the account and carries its token. */
const targetPathOf = (url: string): string | undefined => {
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return undefined;
  }
};

/**
 * Whether a webhook's URL is the account's endpoint: with the deployed base URL, exactly; without it, any host will
 * do (an API stage or custom domain may prefix the path) as long as the path and token are this account's.
 */
const endpointMatcher = (targetUrlFor: (baseUrl: string) => string, baseUrl: string | undefined): ((url: string) => boolean) => {
  if (baseUrl !== undefined) {
    const exact = targetUrlFor(baseUrl);
    return (url) => url === exact;
  }
  const expected = targetPathOf(targetUrlFor('https://placeholder.invalid'));
  return (url) => expected !== undefined && (targetPathOf(url) ?? '').endsWith(expected);
};

const hoursAgo = (ms: number): string => {
  const h = Math.floor(ms / 3_600_000);
  if (h < 1) return 'under an hour ago';
  return h < 48 ? `${h} hour${h === 1 ? '' : 's'} ago` : `${Math.floor(h / 24)} days ago`;
};

const minutes = (ms: number): string => {
  const m = Math.round(ms / 60_000);
  if (m < 120) return `${m} min`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h` : `${Math.round(h / 24)} days`;
};

/** Builds the diagnosis of one account. */
export function makeDiagnoseAccount(deps: DiagnoseDeps): DiagnoseAccount {
  return async (accountId, options = {}) => {
    const account = deps.accounts.find(accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
    const findings: Finding[] = [];
    const add = (finding: Finding): void => void findings.push(finding);
    const now = deps.clock.now();

    // ShipStation V1 key: one GET /stores, and its expiry date (an account on API V2 only has neither).
    let shipStationWorks = false;
    const expiresOn = account.shipStationKeyExpiresOn;
    if (account.shipStationFingerprint === undefined || expiresOn === undefined) {
      add({ check: 'ShipStation key', status: 'ok', detail: 'no V1 key pair: the account runs on API V2 only (see the V2 findings below)' });
    } else {
      try {
        const { stores } = await deps.shipStation.checkCredentials(account.id);
        shipStationWorks = true;
        add({
          check: 'ShipStation key',
          status: 'ok',
          detail: `works (${stores.length} store${stores.length === 1 ? '' : 's'}: ${stores.map((s) => s.storeName).join(', ') || 'none'})`,
        });
      } catch (error) {
        if (error instanceof ShipStationCredentialsError) {
          add({
            check: 'ShipStation key',
            status: 'fail',
            detail: 'refused by ShipStation (401): the key has expired or was revoked',
            fix: rotateShipStation(account.id),
          });
        } else {
          add({
            check: 'ShipStation key',
            status: 'warn',
            detail: `could not be checked: ${message(error)}`,
            fix: 'run doctor again in a minute; if it persists, check https://status.shipstation.com and the network path to ShipStation',
          });
        }
      }

      // Expiry countdown.
      const days = daysUntilExpiry(expiresOn, now);
      if (days < 0) {
        add({
          check: 'key expiry',
          status: 'fail',
          detail: `the configured expiry date ${expiresOn} passed ${-days} day(s) ago`,
          fix: shipStationWorks
            ? `the key still works, so the date is out of date: set keyExpiresOn (or SHIPSTATION_KEY_EXPIRES_ON) to the date ShipStation shows for this key`
            : 'rotate the key (see the ShipStation key fix above)',
        });
      } else if (days <= EXPIRY_WARN_DAYS) {
        add({
          check: 'key expiry',
          status: 'warn',
          detail: `expires on ${expiresOn}, in ${days} day(s)`,
          fix: `rotate before ${expiresOn}: ${rotateShipStation(account.id)}`,
        });
      } else {
        add({ check: 'key expiry', status: 'ok', detail: `expires on ${expiresOn}, in ${days} days` });
      }
    }

    // Klaviyo key: a probe Klaviyo refuses as invalid only once the key authenticated with events:write.
    try {
      await deps.klaviyo.checkCredentials(account.id);
      add({ check: 'Klaviyo key', status: 'ok', detail: 'works (authenticates, has events:write)' });
    } catch (error) {
      const fix =
        "create a private key in Klaviyo (Settings > API keys) with Events: Full access, store it as the account's klaviyo.privateKey " +
        `(or KLAVIYO_PRIVATE_KEY), run \`shipstation-klaviyo doctor --account ${account.id}\` again, then delete the old key in Klaviyo`;
      if (error instanceof KlaviyoRejectedError && error.status === 403) {
        add({ check: 'Klaviyo key', status: 'fail', detail: `refused by Klaviyo (403): the key lacks the events:write scope (${error.reason})`, fix });
      } else if (error instanceof KlaviyoRejectedError && error.status === 401) {
        add({ check: 'Klaviyo key', status: 'fail', detail: `refused by Klaviyo (401): the key is wrong or was deleted (${error.reason})`, fix });
      } else {
        add({
          check: 'Klaviyo key',
          status: 'warn',
          detail: `could not be checked: ${message(error)}`,
          fix: 'run doctor again in a minute; if it persists, check https://status.klaviyo.com',
        });
      }
    }

    // Webhooks: every event we subscribe to must point at this account's endpoint with its current token.
    if (!shipStationWorks) {
      add({
        check: 'webhooks',
        status: 'warn',
        detail: 'not checked: ShipStation refused the key or could not be reached',
        fix: 'fix the ShipStation key first',
      });
    } else {
      const registerFix = `run \`shipstation-klaviyo register-webhooks --account ${account.id} --url <the HTTP API's base URL>\` (serverless info shows it)`;
      try {
        const subscriptions = await deps.shipStation.listWebhooks(account.id);
        const matches = endpointMatcher((base) => deps.accounts.webhookTargetUrl(account.id, base), options.webhookBaseUrl);
        const ourPath = `/webhooks/shipstation/${account.id}?`;
        const missing = SUBSCRIBED_WEBHOOK_EVENTS.filter((event) => !subscriptions.some((s) => s.event === event && matches(s.targetUrl)));
        const staleToken = subscriptions.filter((s) => (targetPathOf(s.targetUrl) ?? '').includes(ourPath) && !matches(s.targetUrl));
        if (missing.length === 0) {
          add({ check: 'webhooks', status: 'ok', detail: `registered: ${SUBSCRIBED_WEBHOOK_EVENTS.join(', ')}` });
        } else {
          const stale =
            staleToken.length > 0
              ? `; ${staleToken.length} subscription(s) point at this account with another token or host (an old deployment or token: delete them in ShipStation)`
              : '';
          add({
            check: 'webhooks',
            status: 'fail',
            detail: `not registered: ${missing.join(', ')} (the poll still finds those changes, up to 30 min later)${stale}`,
            fix: registerFix,
          });
        }
      } catch (error) {
        add({ check: 'webhooks', status: 'warn', detail: `could not be listed: ${message(error)}`, fix: 'run doctor again in a minute' });
      }
    }

    // Tracking (V2): the key, the `track` webhook, and whether tracking updates arrive.
    if (account.shipStationV2Fingerprint === undefined) {
      // Not a problem: tracking is optional, and a V1-only account is healthy without it.
      add({ check: 'tracking', status: 'ok', detail: 'off: no V2 key (tracking events need shipStationV2.apiKey)' });
    } else {
      findings.push(...(await diagnoseTracking(deps, account.id, options.webhookBaseUrl, now)));
    }

    // Pauses the service recorded (the probe above may show the key works again: the next poll resumes it).
    for (const service of ['shipstation', 'klaviyo'] as const) {
      const status = await deps.credentials.status(account.id, service);
      if (status?.outage !== undefined) {
        add({
          check: 'Klaviyo outage',
          status: 'warn',
          detail: `Klaviyo has failed past its retries since ${status.outage.since} (${status.outage.reason}); the account's events are held`,
          fix: 'nothing: release jobs retry by themselves (after OUTAGE_RETRY_SECONDS, doubling, 5 times: about 30 minutes by default), then every scheduled poll; the held events go out in order, as live events, once Klaviyo answers',
        });
      }
      if (status?.state !== 'invalid') continue;
      const current = status.fingerprint === (service === 'shipstation' ? account.shipStationFingerprint : account.klaviyoFingerprint);
      const name = service === 'shipstation' ? 'ShipStation' : 'Klaviyo';
      // The CLI poll checks the ShipStation key itself; held Klaviyo events wait for a scheduled poll job or a send.
      const resumeNow = service === 'shipstation' ? `, or run \`shipstation-klaviyo poll --account ${account.id}\` to resume now` : '';
      add(
        current
          ? {
              check: `${name} pause`,
              status: 'fail',
              detail: `paused since ${status.since}: ${status.reason ?? 'key refused'}`,
              fix: `replace the ${name} key (the account resumes within minutes of the new key working); if doctor shows the key works now, the next scheduled poll (≤ 30 min) resumes it${resumeNow}`,
            }
          : {
              check: `${name} pause`,
              status: 'warn',
              detail: `the key refused on ${status.since} has been replaced; the pause ends with the new key's first success`,
              fix: `nothing: the next scheduled poll (≤ 30 min) ends it${resumeNow}`,
            },
      );
    }

    // Last completed poll.
    const cursor = await deps.cursors.get(account.id);
    if (cursor?.lastCompletedAt === undefined) {
      const running = cursor?.run === undefined ? '' : ` (a ${cursor.run.mode} run started ${cursor.run.startedAt} is in progress)`;
      add({
        check: 'last poll',
        status: 'warn',
        detail: `no poll has completed yet${running}`,
        fix: shipStationWorks
          ? 'the first import takes a while for a large shop; if nothing runs, check the schedule-polls and poll-shipstation logs and the polls DLQ'
          : 'polls wait for a working ShipStation key (see above); the first one after it imports the history',
      });
    } else {
      const age = now.getTime() - Date.parse(cursor.lastCompletedAt);
      const detail = `completed ${minutes(age)} ago, everything through ${cursor.through ?? '?'} enqueued`;
      add(
        age > deps.pollStaleAfterMinutes * 60_000
          ? {
              check: 'last poll',
              status: 'fail',
              detail,
              fix: 'polls have stopped: check the schedule-polls and poll-shipstation logs, the polls DLQ, and the pause findings above',
            }
          : { check: 'last poll', status: 'ok', detail },
      );
    }

    // What waits: held events (Klaviyo key refused, or Klaviyo down) and dead letters (refused for good, or unreadable).
    const held = await deps.held.count(account.id);
    if (held > 0)
      add({
        check: 'held events',
        status: 'warn',
        detail: `${held} event(s) held while the Klaviyo key was refused or Klaviyo failed`,
        fix: 'they are sent, oldest first with their original times, by the first release or poll job after Klaviyo takes events again',
      });
    const deadLetters = await deps.ledger.countDeadLetters(account.id);
    add(
      deadLetters > 0
        ? {
            check: 'dead letters',
            status: 'warn',
            detail: `${deadLetters} dead-letter record(s), each with its reason`,
            fix: `read them in the table under pk ACCOUNT#${account.id}#DEADLETTER; fix the cause, then replay them`,
          }
        : { check: 'dead letters', status: 'ok', detail: 'none' },
    );

    const verdict = findings.some((f) => f.status === 'fail') ? 'broken' : findings.some((f) => f.status === 'warn') ? 'degraded' : 'healthy';
    return { accountId: account.id, verdict, findings };
  };
}

/**
 * An account with a V2 key: does the key work, does a tracking webhook (`track_event_v2`, or a legacy `track`) point
 * here, can the signing keys be fetched, and are updates arriving?
 */
async function diagnoseTracking(deps: DiagnoseDeps, accountId: string, webhookBaseUrl: string | undefined, now: Date): Promise<Finding[]> {
  const findings: Finding[] = [];
  const registerFix = `run \`shipstation-klaviyo register-webhooks --account ${accountId} --url <the HTTP API's base URL>\` (it also registers the ${TRACKING_WEBHOOK_EVENT} webhook)`;
  let webhookRegistered = false;
  try {
    const webhooks = await deps.shipStationV2.listV2Webhooks(accountId);
    findings.push({ check: 'V2 key', status: 'ok', detail: `works (${webhooks.length} V2 webhook${webhooks.length === 1 ? '' : 's'})` });
    const matches = endpointMatcher((base) => deps.accounts.trackingTargetUrl(accountId, base), webhookBaseUrl);
    const track = webhooks.filter((w) => TRACKING_WEBHOOK_EVENTS.includes(w.event));
    const current = track.some((w) => w.event === TRACKING_WEBHOOK_EVENT && matches(w.url));
    const legacy = track.some((w) => w.event === LEGACY_TRACKING_WEBHOOK_EVENT && matches(w.url));
    webhookRegistered = current || legacy;
    if (current && legacy) {
      findings.push({
        check: 'tracking webhook',
        status: 'ok',
        detail: `registered: ${TRACKING_WEBHOOK_EVENT}, and an old ${LEGACY_TRACKING_WEBHOOK_EVENT} webhook beside it: ${REDUNDANT_TRACK_WEBHOOK_FIX}`,
      });
    } else if (webhookRegistered) {
      const event = current ? TRACKING_WEBHOOK_EVENT : `${LEGACY_TRACKING_WEBHOOK_EVENT} (ShipEngine's older event; it works, nothing to do)`;
      findings.push({ check: 'tracking webhook', status: 'ok', detail: `registered: ${event}` });
    } else {
      const ourPath = `/webhooks/tracking/${accountId}?`;
      const stale = track.filter((w) => (targetPathOf(w.url) ?? '').includes(ourPath)).length;
      const elsewhere = track.length - stale;
      const notes = [
        ...(stale > 0 ? [`${stale} point(s) at this account with another token or host (an old deployment or token: delete them in ShipStation)`] : []),
        ...(elsewhere > 0 ? [`${elsewhere} point(s) elsewhere (another app; ShipStation may allow one tracking webhook only)`] : []),
      ];
      findings.push({
        check: 'tracking webhook',
        status: 'fail',
        detail: `not registered: ${TRACKING_WEBHOOK_EVENT} (no tracking events are sent without it)${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
        fix: registerFix,
      });
    }
  } catch (error) {
    if (error instanceof ShipStationCredentialsError) {
      findings.push({
        check: 'V2 key',
        status: 'fail',
        detail: `refused by ShipStation (${/\((\d{3})\)/.exec(error.message)?.[1] ?? '401'}): the V2 API key has expired, was revoked or is wrong`,
        fix: `generate a V2 API key in ShipStation (Settings > Account > API Settings, API version V2), store it as the account's shipStationV2.apiKey (or SHIPSTATION_V2_API_KEY), run \`shipstation-klaviyo doctor --account ${accountId}\` again, then delete the old key in ShipStation`,
      });
      findings.push({ check: 'tracking webhook', status: 'warn', detail: 'not checked: ShipStation refused the V2 key', fix: 'fix the V2 key first' });
    } else {
      findings.push({
        check: 'V2 key',
        status: 'warn',
        detail: `could not be checked: ${message(error)}`,
        fix: 'run doctor again in a minute; if it persists, check https://status.shipstation.com',
      });
    }
  }

  findings.push(await diagnoseKeySets(deps));

  const last = await deps.trackingActivity.lastReceived(accountId);
  const age = last === undefined ? undefined : now.getTime() - last.getTime();
  if (age !== undefined && age <= TRACKING_QUIET_HOURS * 3_600_000) {
    findings.push({ check: 'tracking events', status: 'ok', detail: `last tracking update ${hoursAgo(age)}` });
  } else {
    const quietFix =
      `${webhookRegistered ? 'the tracking webhook is registered: ' : `${registerFix}; `}check that the account's ShipStation plan allows V2 tracking webhooks ` +
      '(updates arrive only for labels shipped after the webhook was registered), and the receive-tracking logs for refused webhooks';
    findings.push({
      check: 'tracking events',
      status: 'warn',
      detail:
        age === undefined ? 'no tracking update received yet' : `last tracking update ${hoursAgo(age)} (none in the last ${TRACKING_QUIET_HOURS / 24} days)`,
      fix: quietFix,
    });
  }
  return findings;
}

/**
 * The key sets tracking webhooks are verified with, fetched afresh: ok when every URL holds a usable RSA key (EC and
 * other keys beside it are ignored), warn when one fails but another works, fail when none does.
 */
async function diagnoseKeySets(deps: DiagnoseDeps): Promise<Finding> {
  const checks = await deps.signatureVerifier.checkKeySets();
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const describeSet = (c: (typeof checks)[number]): string => {
    const others = c.otherKeys > 0 ? `, ${plural(c.otherKeys, 'other key')} (ignored)` : '';
    return c.ok ? `${c.url}: ${plural(c.rsaKeys, 'RSA key')}${others}` : `${c.url}: ${c.problem ?? 'no usable RSA key'}${others}`;
  };
  const detail = checks.map(describeSet).join('; ');
  const usable = checks.filter((c) => c.ok).length;
  if (checks.length > 0 && usable === checks.length) return { check: 'signing keys', status: 'ok', detail };
  if (usable > 0) {
    return {
      check: 'signing keys',
      status: 'warn',
      detail: `${usable} of ${checks.length} key sets usable: ${detail}`,
      fix: 'tracking webhooks still verify with the keys of the usable key set(s); if one keeps failing, check the network path to its host, or leave it out of TRACKING_JWKS_URLS',
    };
  }
  return {
    check: 'signing keys',
    status: 'fail',
    detail: `no key set holds a usable RSA key, so no tracking webhook can be verified (each is answered 500 and retried by ShipStation)${detail === '' ? '' : `: ${detail}`}`,
    fix: 'check the network path from the functions to these hosts; unset TRACKING_JWKS_URLS (and TRACKING_JWKS_URL) for the built-in list, or set it to the URLs ShipStation names',
  };
}

/** The service's queues: messages waiting, and dead-letter queues that hold anything. */
export async function diagnoseQueues(queues: QueueDepths): Promise<{ depths: QueueDepth[]; findings: Finding[] }> {
  const depths = await queues.depths();
  const findings = depths
    .filter((d) => (d.deadLetters ?? 0) > 0)
    .map((d): Finding => ({
      check: `${d.queue} DLQ`,
      status: 'warn',
      detail: `${d.deadLetters} message(s) in the dead-letter queue`,
      fix: `read the ${d.queue}-dlq messages and the function's logs for why; once fixed, redrive them to the ${d.queue} queue (SQS console: "Start DLQ redrive")`,
    }));
  return { depths, findings };
}
