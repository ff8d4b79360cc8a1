// CLI doctor → diagnoseAccount → ShipStation with each key the account has (V1 key pair: GET /stores, GET /webhooks; V2
// key: GET /v2/environment/webhooks and a fresh fetch of the signing key sets), Klaviyo (one probe) and what DynamoDB
// knows (pause marks, cursor, held events, dead letters, the last tracking webhook): one finding per concern, each
// problem with the fix an operator can apply, and which API each key reaches with what that means for the metrics.
// It only reads: it never marks a key, moves a cursor or alerts anyone.
import { BadInputError, KlaviyoRejectedError, ShipStationCredentialsError } from '../domain/errors.js';
import { daysUntilExpiry } from '../domain/key-expiry.js';
import { METRICS_NEEDING_V1, METRICS_NEEDING_V2 } from '../domain/shipstation-v2.js';
import type {
  Account,
  AccountDirectory,
  Clock,
  CredentialService,
  CredentialStatusStore,
  EventLedger,
  HeldEventStore,
  KlaviyoCredentialCheck,
  KlaviyoFlowsApi,
  PollCursorStore,
  QueueDepth,
  QueueDepths,
  ShipStationCredentialCheck,
  ShipStationV2Webhooks,
  ShipStationWebhooks,
  TrackingActivity,
  V2WebhookSubscription,
  WebhookSignatureVerifier,
} from '../ports.js';
import {
  LEGACY_TRACKING_WEBHOOK_EVENT,
  REDUNDANT_TRACK_WEBHOOK_FIX,
  SUBSCRIBED_WEBHOOK_EVENTS,
  TRACKING_WEBHOOK_EVENT,
  TRACKING_WEBHOOK_EVENTS,
  V2_POINTER_WEBHOOK_EVENTS,
} from './register-webhooks.js';
import { recordedKeyStatuses } from './credential-health.js';

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
  /** The V1 API, for accounts with a V1 key pair. */
  shipStation: ShipStationCredentialCheck & ShipStationWebhooks;
  klaviyo: KlaviyoCredentialCheck;
  /** The scopes `flows install` needs beside events:write (absent: not checked). */
  klaviyoScopes?: Pick<KlaviyoFlowsApi, 'scopes'>;
  /** The V2 webhooks, for accounts with a V2 key: listing them is the V2 key's check too. */
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

/**
 * What one ShipStation key reached with its cheap read: its API (`works`), a refusal (401/403: `refused`), no answer
 * (`unknown`: ShipStation down, the network), or `absent`: the account has no such key.
 */
type KeyReach = 'absent' | 'works' | 'refused' | 'unknown';

/** The V2 key's check: what it reached, its finding, and the V2 webhooks it listed (when it worked). */
interface V2KeyCheck {
  reach: KeyReach;
  findings: Finding[];
  webhooks?: V2WebhookSubscription[];
}

/** The service's pause marks, per key: the check's name and the key's name in the text. */
const PAUSABLE_KEYS: Readonly<Record<CredentialService, { check: string; name: string }>> = {
  shipstation: { check: 'ShipStation pause', name: 'ShipStation' },
  'shipstation-v2': { check: 'V2 key pause', name: 'ShipStation V2' },
  klaviyo: { check: 'Klaviyo pause', name: 'Klaviyo' },
};

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** `a, b and c`. */
const listed = (items: readonly string[]): string => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`);

const rotateShipStation = (accountId: string): string =>
  'generate a new API key and secret in ShipStation (Settings > Account > API Settings), store them with the new expiry date ' +
  `(docs/architecture.md: "Rotating keys"), run \`shipstation-klaviyo doctor --account ${accountId}\` again, then delete the old key in ShipStation`;

const registerCommand = (accountId: string): string => `run \`shipstation-klaviyo register-webhooks --account ${accountId} --url <the HTTP API's base URL>\``;

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

/** Notes on webhooks for the missing events that point at this account with another token or host, or elsewhere. */
const strayNotes = (strays: { url: string }[], ourPath: string, elsewhereNote: string): string[] => {
  const stale = strays.filter((w) => (targetPathOf(w.url) ?? '').includes(ourPath)).length;
  const elsewhere = strays.length - stale;
  return [
    ...(stale > 0 ? [`${stale} point(s) at this account with another token or host (an old deployment or token: delete them in ShipStation)`] : []),
    ...(elsewhere > 0 ? [`${elsewhere} point(s) elsewhere (${elsewhereNote})`] : []),
  ];
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

    // The ShipStation keys, each with its cheap read, then what they reach together.
    const v1 = await diagnoseV1Key(deps, account, now);
    const v2: V2KeyCheck = account.shipStationV2Fingerprint === undefined ? { reach: 'absent', findings: [] } : await diagnoseV2Key(deps, account.id);
    findings.push(...v1.findings, ...v2.findings);
    add(apisFinding(account.id, v1.reach, v2.reach));

    // Klaviyo key: a probe Klaviyo refuses as invalid only once the key authenticated with events:write.
    try {
      await deps.klaviyo.checkCredentials(account.id);
      add({ check: 'Klaviyo key', status: 'ok', detail: 'works (authenticates, has events:write)' });
      if (deps.klaviyoScopes !== undefined) add(await diagnoseFlowScopes(deps.klaviyoScopes, account.id));
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

    // V1 webhooks: only with a V1 key pair (an account on API V2 only has no V1 webhooks, and V1 would refuse the list).
    const v1Webhooks = v1.reach === 'absent' ? undefined : await diagnoseV1Webhooks(deps, account.id, v1.reach === 'works', options.webhookBaseUrl);
    if (v1Webhooks !== undefined) add(v1Webhooks);

    // V2 webhooks, tracking among them, and whether tracking updates arrive: only with a V2 key.
    if (v2.reach !== 'absent') {
      findings.push(...(await diagnoseV2(deps, account.id, v2, { webhookBaseUrl: options.webhookBaseUrl, v1WebhooksWork: v1Webhooks?.status === 'ok', now })));
    }

    // Klaviyo outage: events held until Klaviyo answers again.
    const keys = await recordedKeyStatuses(deps, account);
    const outage = keys.find((key) => key.service === 'klaviyo')?.outage;
    if (outage !== undefined) {
      add({
        check: 'Klaviyo outage',
        status: 'warn',
        detail: `Klaviyo has failed past its retries since ${outage.since} (${outage.reason}); the account's events are held`,
        fix: 'nothing: release jobs retry by themselves (after OUTAGE_RETRY_SECONDS, doubling, 5 times: about 30 minutes by default), then every scheduled poll; the held events go out in order, as live events, once Klaviyo answers',
      });
    }

    // Pauses the service recorded, for each key the account has (the probes above may show the key works again: the
    // next poll resumes it). A pause of a key since removed from the account is moot: no call uses that key any more.
    for (const { service, pause } of keys) {
      if (pause === undefined) continue;
      const key = PAUSABLE_KEYS[service];
      // The CLI poll checks the ShipStation keys itself; held Klaviyo events wait for a scheduled poll job or a send.
      const resumeNow = service === 'klaviyo' ? '' : `, or run \`shipstation-klaviyo poll --account ${account.id}\` to resume now`;
      add(
        pause.state === 'paused'
          ? {
              check: key.check,
              status: 'fail',
              detail: `paused since ${pause.since}: ${pause.reason ?? 'key refused'}`,
              fix: `replace the ${key.name} key (the account resumes within minutes of the new key working); if doctor shows the key works now, the next scheduled poll (≤ 30 min) resumes it${resumeNow}`,
            }
          : {
              check: key.check,
              status: 'warn',
              detail: `the key refused on ${pause.since} has been replaced; the pause ends with the new key's first success`,
              fix: `nothing: the next scheduled poll (≤ 30 min) ends it${resumeNow}`,
            },
      );
    }

    // Last completed poll.
    const shipStationWorks = v1.reach === 'works' || v2.reach === 'works';
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

/** The V1 key pair: one GET /stores, and its expiry date; nothing for an account on API V2 only. */
async function diagnoseV1Key(deps: DiagnoseDeps, account: Account, now: Date): Promise<{ reach: KeyReach; findings: Finding[] }> {
  if (account.shipStationFingerprint === undefined) return { reach: 'absent', findings: [] };
  const findings: Finding[] = [];
  let reach: KeyReach;
  try {
    const { stores } = await deps.shipStation.checkCredentials(account.id);
    reach = 'works';
    findings.push({
      check: 'ShipStation key',
      status: 'ok',
      detail: `works (${stores.length} store${stores.length === 1 ? '' : 's'}: ${stores.map((s) => s.storeName).join(', ') || 'none'})`,
    });
  } catch (error) {
    if (error instanceof ShipStationCredentialsError) {
      reach = 'refused';
      findings.push({
        check: 'ShipStation key',
        status: 'fail',
        detail: 'refused by ShipStation (401): the key has expired or was revoked',
        fix: rotateShipStation(account.id),
      });
    } else {
      reach = 'unknown';
      findings.push({
        check: 'ShipStation key',
        status: 'warn',
        detail: `could not be checked: ${message(error)}`,
        fix: 'run doctor again in a minute; if it persists, check https://status.shipstation.com and the network path to ShipStation',
      });
    }
  }

  // Expiry countdown.
  const expiresOn = account.shipStationKeyExpiresOn;
  if (expiresOn === undefined) return { reach, findings };
  const days = daysUntilExpiry(expiresOn, now);
  if (days < 0) {
    findings.push({
      check: 'key expiry',
      status: 'fail',
      detail: `the configured expiry date ${expiresOn} passed ${-days} day(s) ago`,
      fix:
        reach === 'works'
          ? `the key still works, so the date is out of date: set keyExpiresOn (or SHIPSTATION_KEY_EXPIRES_ON) to the date ShipStation shows for this key`
          : 'rotate the key (see the ShipStation key fix above)',
    });
  } else if (days <= EXPIRY_WARN_DAYS) {
    findings.push({
      check: 'key expiry',
      status: 'warn',
      detail: `expires on ${expiresOn}, in ${days} day(s)`,
      fix: `rotate before ${expiresOn}: ${rotateShipStation(account.id)}`,
    });
  } else {
    findings.push({ check: 'key expiry', status: 'ok', detail: `expires on ${expiresOn}, in ${days} days` });
  }
  return { reach, findings };
}

/** The V2 key: one GET /v2/environment/webhooks, whose list the V2 webhook findings read. */
async function diagnoseV2Key(deps: DiagnoseDeps, accountId: string): Promise<V2KeyCheck> {
  try {
    const webhooks = await deps.shipStationV2.listV2Webhooks(accountId);
    return {
      reach: 'works',
      webhooks,
      findings: [{ check: 'V2 key', status: 'ok', detail: `works (${webhooks.length} V2 webhook${webhooks.length === 1 ? '' : 's'})` }],
    };
  } catch (error) {
    if (error instanceof ShipStationCredentialsError) {
      return {
        reach: 'refused',
        findings: [
          {
            check: 'V2 key',
            status: 'fail',
            detail: `refused by ShipStation (${/\((\d{3})\)/.exec(error.message)?.[1] ?? '401'}): the V2 API key has expired, was revoked or is wrong`,
            fix: `generate a V2 API key in ShipStation (Settings > Account > API Settings, API version V2), store it as the account's shipStationV2.apiKey (or SHIPSTATION_V2_API_KEY), run \`shipstation-klaviyo doctor --account ${accountId}\` again, then delete the old key in ShipStation`,
          },
        ],
      };
    }
    return {
      reach: 'unknown',
      findings: [
        {
          check: 'V2 key',
          status: 'warn',
          detail: `could not be checked: ${message(error)}`,
          fix: 'run doctor again in a minute; if it persists, check https://status.shipstation.com',
        },
      ],
    };
  }
}

/**
 * Which API each key reaches, and what the account can send with them: a key the merchant did not configure costs
 * metrics but is their choice (ok, with what is missing); a refused key is a failure, with what it means for the plan.
 */
function apisFinding(accountId: string, v1: KeyReach, v2: KeyReach): Finding {
  const check = 'ShipStation APIs';
  const needV1 = listed(METRICS_NEEDING_V1);
  const needV2 = listed(METRICS_NEEDING_V2);
  const noV2 =
    `${needV2} are not sent: they come from V2 tracking webhooks, which need a V2 API key ` +
    '(ShipStation > Settings > Account > API Settings, API version V2) stored as shipStationV2.apiKey';
  const noV1 =
    `${needV1} are not sent: V2 has no such states; they need a V1 key pair (shipStation.apiKey and apiSecret), ` +
    'which ShipStation gives only on Gold, Accelerate or higher plans';
  const belowV1Plans = "if the account's ShipStation plan is below Gold/Accelerate (V1 is legacy: Standard and Premium have API V2 only)";
  if (v1 === 'works' && v2 === 'works')
    return { check, status: 'ok', detail: 'V1 and V2: the V1 key pair reaches V1, the V2 key V2; every metric can be sent' };
  if (v1 === 'works' && v2 === 'absent') return { check, status: 'ok', detail: `V1 only (no V2 key): ${noV2}` };
  if (v1 === 'absent' && v2 === 'works') return { check, status: 'ok', detail: `V2 only (no V1 key pair): ${noV1}` };
  if (v1 === 'refused' && v2 === 'works') {
    return {
      check,
      status: 'fail',
      detail: `V2 only for now: ShipStation refused the V1 key, the V2 key works (the poll reads V2 alone; ${needV1} are not sent meanwhile)`,
      fix: `${belowV1Plans}, remove the V1 key pair (shipStation) from the account and run on V2; otherwise rotate the V1 key (see the ShipStation key fix above)`,
    };
  }
  if (v1 === 'refused' && v2 === 'absent') {
    return {
      check,
      status: 'fail',
      detail: 'none: ShipStation refused the V1 key, the account has no other; nothing is read from ShipStation until a key works (the poll cursor waits)',
      fix:
        `${belowV1Plans}, create a V2 API key instead (Settings > Account > API Settings, API version V2), store it as the account's ` +
        'shipStationV2.apiKey and remove the V1 key pair (shipStation); otherwise rotate the V1 key (see the ShipStation key fix above)',
    };
  }
  if (v1 === 'works' && v2 === 'refused') {
    return {
      check,
      status: 'fail',
      detail: `V1 only for now: ShipStation refused the V2 key, the V1 key works (${needV2} are not sent meanwhile)`,
      fix: 'replace the V2 key (see the V2 key fix above)',
    };
  }
  const describe = (api: 'V1' | 'V2', reach: KeyReach): string =>
    reach === 'works'
      ? `the ${api} key works`
      : reach === 'refused'
        ? `ShipStation refused the ${api} key`
        : reach === 'unknown'
          ? `the ${api} key could not be checked`
          : `no ${api} key`;
  const detail = `${describe('V1', v1)}; ${describe('V2', v2)}`;
  if (v1 === 'refused' || v2 === 'refused') {
    const none = v1 !== 'works' && v2 !== 'works' && v1 !== 'unknown' && v2 !== 'unknown';
    return {
      check,
      status: 'fail',
      detail: none ? `none: ${detail}; nothing is read from ShipStation until a key works (the poll cursor waits)` : detail,
      fix: 'replace the refused key (see its fix above)',
    };
  }
  if (v1 === 'unknown' || v2 === 'unknown') {
    return { check, status: 'warn', detail: `not known: ${detail}`, fix: 'run doctor again in a minute; if it persists, check https://status.shipstation.com' };
  }
  return {
    check,
    status: 'fail',
    detail: 'none: the account has no ShipStation key',
    fix: `configure shipStation (V1 key pair) or shipStationV2 (V2 API key) for account ${accountId}`,
  };
}

/** The V1 webhooks: every event we subscribe to must point at this account's endpoint with its current token. */
async function diagnoseV1Webhooks(deps: DiagnoseDeps, accountId: string, keyWorks: boolean, webhookBaseUrl: string | undefined): Promise<Finding> {
  if (!keyWorks) {
    return {
      check: 'webhooks',
      status: 'warn',
      detail: 'not checked: ShipStation refused the key or could not be reached',
      fix: 'fix the ShipStation key first',
    };
  }
  try {
    const subscriptions = await deps.shipStation.listWebhooks(accountId);
    const matches = endpointMatcher((base) => deps.accounts.webhookTargetUrl(accountId, base), webhookBaseUrl);
    const ourPath = `/webhooks/shipstation/${accountId}?`;
    const missing = SUBSCRIBED_WEBHOOK_EVENTS.filter((event) => !subscriptions.some((s) => s.event === event && matches(s.targetUrl)));
    const staleToken = subscriptions.filter((s) => (targetPathOf(s.targetUrl) ?? '').includes(ourPath) && !matches(s.targetUrl));
    if (missing.length === 0) return { check: 'webhooks', status: 'ok', detail: `registered: ${SUBSCRIBED_WEBHOOK_EVENTS.join(', ')}` };
    const stale =
      staleToken.length > 0
        ? `; ${staleToken.length} subscription(s) point at this account with another token or host (an old deployment or token: delete them in ShipStation)`
        : '';
    return {
      check: 'webhooks',
      status: 'fail',
      detail: `not registered: ${missing.join(', ')} (the poll still finds those changes, up to 30 min later)${stale}`,
      fix: `${registerCommand(accountId)} (serverless info shows it)`,
    };
  } catch (error) {
    return { check: 'webhooks', status: 'warn', detail: `could not be listed: ${message(error)}`, fix: 'run doctor again in a minute' };
  }
}

/**
 * An account with a V2 key: do the V2 pointer webhooks and a tracking webhook (`track_event_v2`, or a legacy `track`)
 * point at this account's V2 endpoint, can the signing keys be fetched, and are tracking updates arriving?
 */
async function diagnoseV2(
  deps: DiagnoseDeps,
  accountId: string,
  key: V2KeyCheck,
  context: { webhookBaseUrl: string | undefined; v1WebhooksWork: boolean; now: Date },
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const trackingFix = `${registerCommand(accountId)} (it also registers the ${TRACKING_WEBHOOK_EVENT} webhook)`;
  let trackingRegistered = false;
  if (key.webhooks !== undefined) {
    const matches = endpointMatcher((base) => deps.accounts.trackingTargetUrl(accountId, base), context.webhookBaseUrl);
    findings.push(pointerWebhooksFinding(key.webhooks, matches, accountId, context.v1WebhooksWork));
    const tracking = trackingWebhookFinding(key.webhooks, matches, accountId, trackingFix);
    trackingRegistered = tracking.status === 'ok';
    findings.push(tracking);
  } else if (key.reach === 'refused') {
    findings.push({
      check: 'V2 webhooks',
      status: 'warn',
      detail: 'not checked (tracking included): ShipStation refused the V2 key',
      fix: 'fix the V2 key first',
    });
  }

  findings.push(await diagnoseKeySets(deps));

  const last = await deps.trackingActivity.lastReceived(accountId);
  const age = last === undefined ? undefined : context.now.getTime() - last.getTime();
  if (age !== undefined && age <= TRACKING_QUIET_HOURS * 3_600_000) {
    findings.push({ check: 'tracking events', status: 'ok', detail: `last tracking update ${hoursAgo(age)}` });
  } else {
    const quietFix =
      `${trackingRegistered ? 'the tracking webhook is registered: ' : `${trackingFix}; `}check that the account's ShipStation plan allows V2 tracking webhooks ` +
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
 * The V2 pointer webhooks (shipment_created_v2, label_created_v2, fulfillment_*_v2) at this account's V2 endpoint. A
 * missing one is a warning, not a failure: nothing is lost (the poll finds those changes, up to 30 min later; with both
 * keys the V1 webhooks bring them at once), and ShipStation may not offer every event to every account, so an event it
 * refuses must not leave the account BROKEN for good.
 */
function pointerWebhooksFinding(webhooks: V2WebhookSubscription[], matches: (url: string) => boolean, accountId: string, v1WebhooksWork: boolean): Finding {
  const check = 'V2 webhooks';
  const missing: readonly string[] = V2_POINTER_WEBHOOK_EVENTS.filter((event) => !webhooks.some((w) => w.event === event && matches(w.url)));
  if (missing.length === 0) return { check, status: 'ok', detail: `registered: ${V2_POINTER_WEBHOOK_EVENTS.join(', ')}` };
  const strays = webhooks.filter((w) => missing.includes(w.event));
  const notes = strayNotes(strays, `/webhooks/tracking/${accountId}?`, 'another app');
  const meanwhile = v1WebhooksWork ? 'the V1 webhooks still bring those changes at once' : 'the poll still finds those changes, up to 30 min later';
  return {
    check,
    status: 'warn',
    detail: `not registered: ${missing.join(', ')} (${meanwhile})${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
    fix: `${registerCommand(accountId)} (serverless info shows the URL); an event it reports ShipStation refuses for this account can stay missing`,
  };
}

/** The tracking webhook: a `track_event_v2` (or a legacy `track`) at this account's V2 endpoint. */
function trackingWebhookFinding(webhooks: V2WebhookSubscription[], matches: (url: string) => boolean, accountId: string, fix: string): Finding {
  const track = webhooks.filter((w) => TRACKING_WEBHOOK_EVENTS.includes(w.event));
  const current = track.some((w) => w.event === TRACKING_WEBHOOK_EVENT && matches(w.url));
  const legacy = track.some((w) => w.event === LEGACY_TRACKING_WEBHOOK_EVENT && matches(w.url));
  if (current && legacy) {
    return {
      check: 'tracking webhook',
      status: 'ok',
      detail: `registered: ${TRACKING_WEBHOOK_EVENT}, and an old ${LEGACY_TRACKING_WEBHOOK_EVENT} webhook beside it: ${REDUNDANT_TRACK_WEBHOOK_FIX}`,
    };
  }
  if (current || legacy) {
    const event = current ? TRACKING_WEBHOOK_EVENT : `${LEGACY_TRACKING_WEBHOOK_EVENT} (ShipEngine's older event; it works, nothing to do)`;
    return { check: 'tracking webhook', status: 'ok', detail: `registered: ${event}` };
  }
  const notes = strayNotes(track, `/webhooks/tracking/${accountId}?`, 'another app; ShipStation may allow one tracking webhook only');
  return {
    check: 'tracking webhook',
    status: 'fail',
    detail: `not registered: ${TRACKING_WEBHOOK_EVENT} (no tracking events are sent without it)${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
    fix,
  };
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

/**
 * Which of the scopes `flows install` needs the Klaviyo key holds. Only flows install uses them, so a missing one is a
 * warning with the fix, never a broken account.
 */
async function diagnoseFlowScopes(api: Pick<KlaviyoFlowsApi, 'scopes'>, accountId: string): Promise<Finding> {
  const check = 'Klaviyo scopes';
  let scopes: Awaited<ReturnType<KlaviyoFlowsApi['scopes']>>;
  try {
    scopes = await api.scopes(accountId);
  } catch (error) {
    return {
      check,
      status: 'warn',
      detail: `could not be checked: ${message(error)}`,
      fix: 'run doctor again in a minute; if it persists, check https://status.klaviyo.com',
    };
  }
  const listed = Object.entries(scopes).map(([scope, granted]) => `${scope} ${granted ? '✔' : '✘'}`);
  const missing = Object.entries(scopes)
    .filter(([, granted]) => !granted)
    .map(([scope]) => scope);
  if (missing.length === 0) return { check, status: 'ok', detail: `for flows install: ${listed.join(', ')}` };
  return {
    check,
    status: 'warn',
    detail: `for flows install: ${listed.join(', ')} (the service's events need none of them)`,
    fix:
      `add ${missing.join(', ')} to the account's Klaviyo private key (Settings > API keys) before \`shipstation-klaviyo flows install --account ${accountId}\`, ` +
      'or leave them out if you build your flows by hand',
  };
}
