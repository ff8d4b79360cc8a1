// receive-webhook → acceptWebhook → notifications queue. Authenticates, refuses URLs that are not what ShipStation
// sends, enqueues.
import { BadInputError, UnauthorizedError } from '../domain/errors.js';
import { checkResourceUrl, checkWebhookResource } from '../domain/resource-url.js';
import { WEBHOOK_RESOURCE_TYPES, type ParsedNotification } from '../domain/shipstation.js';
import type { Clock, NotificationQueue, WebhookAccounts } from '../ports.js';

export interface AcceptWebhookDeps {
  accounts: WebhookAccounts;
  notifications: NotificationQueue;
  clock: Clock;
}

export type AcceptWebhookResult = { status: 'queued' } | { status: 'ignored'; reason: string };

export type AcceptWebhook = (input: { accountId: string; token: string; notification: ParsedNotification }) => Promise<AcceptWebhookResult>;

/**
 * Accepts a ShipStation V1 webhook for an account: unknown account or wrong token → UnauthorizedError (checked before
 * the body, so a stranger learns nothing from it); a malformed body, a resource_url off the account's ShipStation
 * origin, or one that is not what ShipStation sends for the resource type (another path, filter or page size, a
 * repeated parameter, no batch filter) → BadInputError with the reason (never queued, so never fetched: a leaked token
 * cannot spend the key's budget); a resource type we do not act on is acknowledged and ignored so ShipStation does not
 * retry it.
 */
export function makeAcceptWebhook(deps: AcceptWebhookDeps): AcceptWebhook {
  return async (input) => {
    const account = deps.accounts.find(input.accountId);
    const tokenOk = deps.accounts.verifyWebhookToken(input.accountId, input.token);
    if (account === undefined || !tokenOk) throw new UnauthorizedError();
    if (!input.notification.ok) throw new BadInputError(input.notification.reason);
    const notification = input.notification.value;
    const onShipStation = checkResourceUrl(notification.resource_url, account.shipStationBaseUrl);
    if (!onShipStation.ok) throw new BadInputError(onShipStation.reason);
    const type = notification.resource_type;
    if (!(WEBHOOK_RESOURCE_TYPES as readonly string[]).includes(type)) {
      return { status: 'ignored', reason: `resource_type ${type} is not one we act on` };
    }
    const checked = checkWebhookResource(type, notification.resource_url, account.shipStationBaseUrl);
    if (!checked.ok) throw new BadInputError(checked.reason);
    await deps.notifications.enqueue({
      accountId: account.id,
      resourceUrl: checked.url.toString(),
      resourceType: type,
      receivedAt: deps.clock.now().toISOString(),
    });
    return { status: 'queued' };
  };
}
