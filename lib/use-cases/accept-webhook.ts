// receive-webhook → acceptWebhook → notifications queue. Authenticates, refuses URLs off ShipStation, enqueues.
import { BadInputError, UnauthorizedError } from '../domain/errors.js';
import { checkResourceUrl } from '../domain/resource-url.js';
import { WEBHOOK_RESOURCE_TYPES, type WebhookNotification } from '../domain/shipstation.js';
import type { AccountDirectory, Clock, NotificationQueue } from '../ports.js';

export interface AcceptWebhookDeps {
  accounts: AccountDirectory;
  notifications: NotificationQueue;
  clock: Clock;
}

export type AcceptWebhookResult = { status: 'queued' } | { status: 'ignored'; reason: string };

/**
 * Accepts a ShipStation V1 webhook for an account: unknown account or wrong token → UnauthorizedError; a resource_url
 * off the account's ShipStation origin → BadInputError (never fetched); a resource type we do not act on is
 * acknowledged and ignored so ShipStation does not retry it.
 */
export function makeAcceptWebhook(deps: AcceptWebhookDeps) {
  return async (input: { accountId: string; token: string; notification: WebhookNotification }): Promise<AcceptWebhookResult> => {
    const account = deps.accounts.find(input.accountId);
    const tokenOk = deps.accounts.verifyWebhookToken(input.accountId, input.token);
    if (account === undefined || !tokenOk) throw new UnauthorizedError();
    const checked = checkResourceUrl(input.notification.resource_url, account.shipStationBaseUrl);
    if (!checked.ok) throw new BadInputError(checked.reason);
    const type = input.notification.resource_type;
    if (!(WEBHOOK_RESOURCE_TYPES as readonly string[]).includes(type)) {
      return { status: 'ignored', reason: `resource_type ${type} is not one we act on` };
    }
    await deps.notifications.enqueue({
      accountId: account.id,
      resourceUrl: checked.url.toString(),
      resourceType: type,
      receivedAt: deps.clock.now().toISOString(),
    });
    return { status: 'queued' };
  };
}
