// ShipStation V1 keys expire after 3, 6 or 12 months: when to warn, and what the warning says.

/** Days before expiry at which an alert goes out, each once per key. */
export const EXPIRY_THRESHOLDS = [30, 14, 7, 3, 1, 0] as const;

export type ExpiryThreshold = (typeof EXPIRY_THRESHOLDS)[number];

const DAY_MS = 86_400_000;

/**
 * How long after a pause ends the refusals of the key it replaced are ignored: well past the accounts cache (60 s by
 * default) of every container still holding the old key, short enough that going back to a dead key is alerted.
 */
export const RETIRED_KEY_GRACE_MS = 15 * 60_000;

/**
 * Whole days from today (UTC) until the key's expiry date: 0 on the day itself, negative once it has passed.
 * @param expiresOn `YYYY-MM-DD`, as configured
 */
export function daysUntilExpiry(expiresOn: string, now: Date): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((Date.parse(`${expiresOn}T00:00:00Z`) - today) / DAY_MS);
}

/**
 * The threshold the key has reached: the smallest one at or above `days` (a check that missed a day still warns for
 * the threshold it crossed), or undefined while more than 30 days are left. An expired key is at 0.
 */
export function reachedThreshold(days: number): ExpiryThreshold | undefined {
  const reached = EXPIRY_THRESHOLDS.filter((threshold) => days <= threshold);
  return reached.at(-1);
}

/** Identifies one threshold alert of one key: a new key (fingerprint) or a new expiry date starts afresh. */
export function expiryAlertId(keyFingerprint: string, expiresOn: string, threshold: ExpiryThreshold): string {
  return `key-expiry#${keyFingerprint}#${expiresOn}#${threshold}`;
}

const ROTATION_STEPS =
  'Generate a new API key and secret in ShipStation (Settings > Account > API Settings), store them in the accounts ' +
  'document (or the SHIPSTATION_API_KEY / SHIPSTATION_API_SECRET / SHIPSTATION_KEY_EXPIRES_ON settings) with the new ' +
  'expiry date, check with `shipstation-klaviyo doctor --account <id>`, then delete the old key in ShipStation.';

/** The merchant-facing text of a key-expiry alert; subjects put the account last, where a cut for length hurts least. */
export function expiryAlertText(accountId: string, expiresOn: string, days: number): { subject: string; message: string } {
  const when = days < 0 ? `expired ${-days} day${days === -1 ? '' : 's'} ago` : days === 0 ? 'expires today' : `expires in ${days} day${days === 1 ? '' : 's'}`;
  const impact =
    days <= 0
      ? 'Once it has expired, ShipStation answers 401: polls and webhook fetches for this account stop until a new key is stored (nothing is lost; the account catches up from where it stopped).'
      : 'When it expires, ShipStation answers 401 and orders stop flowing to Klaviyo for this account until a new key is stored.';
  return {
    subject: `ShipStation API key ${when} (account ${accountId})`,
    message: [
      `Account: ${accountId}`,
      `Key: the ShipStation V1 API key and secret, expiry date ${expiresOn} (${when}).`,
      impact,
      `What to do: ${ROTATION_STEPS.replace('<id>', accountId)}`,
    ].join('\n'),
  };
}

/** The merchant-facing text of an alert about a key the service just found refused. */
export function rejectedKeyAlertText(
  accountId: string,
  service: 'shipstation' | 'shipstation-v2' | 'klaviyo',
  reason: string,
): { subject: string; message: string } {
  if (service === 'shipstation-v2') {
    return {
      subject: `ShipStation refused the V2 API key (account ${accountId})`,
      message: [
        `Account: ${accountId}`,
        'Key: the ShipStation API V2 key.',
        `ShipStation answered: ${reason}. The key was revoked or replaced.`,
        'V2 polls and V2 webhook fetches for this account are paused; its poll cursor stays where it was, so nothing is lost.',
        `What to do: create a new key in ShipStation (Settings > Account > API Settings, API V2), store it in the accounts document (shipStationV2.apiKey) or SHIPSTATION_V2_API_KEY, and check it with \`shipstation-klaviyo doctor --account ${accountId}\`. The account resumes by itself once the new key is stored.`,
      ].join('\n'),
    };
  }
  if (service === 'shipstation') {
    return {
      subject: `ShipStation refused the API key (account ${accountId})`,
      message: [
        `Account: ${accountId}`,
        'Key: the ShipStation V1 API key and secret.',
        `ShipStation answered: ${reason}. The key has expired or was revoked.`,
        'Polls and webhook fetches for this account are paused; its poll cursor stays where it was, so nothing is lost.',
        `What to do: ${ROTATION_STEPS.replace('<id>', accountId)} The account resumes by itself within minutes of the new key being stored and catches up from its cursor.`,
      ].join('\n'),
    };
  }
  return {
    subject: `Klaviyo refused the private key (account ${accountId})`,
    message: [
      `Account: ${accountId}`,
      'Key: the Klaviyo private API key.',
      `Klaviyo answered: ${reason}. The key was deleted, or it lacks the events:write scope.`,
      'Events for this account are held (not dropped) and are sent, with their original times, once a working key is stored.',
      `What to do: create a private key in Klaviyo (Settings > API keys) with Events: Full access, store it in the accounts document (or KLAVIYO_PRIVATE_KEY), check with \`shipstation-klaviyo doctor --account ${accountId}\`, then delete the old key in Klaviyo.`,
    ].join('\n'),
  };
}

/** The merchant-facing text of the all-clear after a refused key works again. */
export function recoveredKeyAlertText(accountId: string, service: 'shipstation' | 'shipstation-v2' | 'klaviyo'): { subject: string; message: string } {
  const name = service === 'shipstation' ? 'ShipStation API key' : service === 'shipstation-v2' ? 'ShipStation V2 API key' : 'Klaviyo private key';
  return {
    subject: `The ${name} works again (account ${accountId})`,
    message: [
      `Account: ${accountId}`,
      `Key: the ${name}.`,
      service !== 'klaviyo'
        ? 'ShipStation accepts the key again. The account has resumed and catches up from its poll cursor; missed changes are sent with their original times.'
        : 'Klaviyo accepts the key again. Held events are being sent with their original times (older ones flagged as backfill so they do not trigger flows).',
      'Nothing to do.',
    ].join('\n'),
  };
}
