// acceptWebhook against in-memory ports: authentication before the body, the SSRF guard, resource_urls only as ShipStation
// sends them for their type, ignored types, the queue.
import { BadInputError, UnauthorizedError } from '../../../lib/domain/errors.js';
import type { ParsedNotification } from '../../../lib/domain/shipstation.js';
import { makeAcceptWebhook } from '../../../lib/use-cases/accept-webhook.js';
import { FakeClock, fakeAccount, InMemoryNotificationQueue, StaticAccountDirectory } from '../../fakes/in-memory-ports.js';

const TOKEN = 'a-webhook-token-of-32-characters';
const ORDERS_URL = 'https://ssapi.shipstation.com/orders?importBatch=abc-123';

function setup() {
  const clock = new FakeClock('2026-07-04T17:20:00.000Z');
  const notifications = new InMemoryNotificationQueue();
  const accept = makeAcceptWebhook({ accounts: new StaticAccountDirectory([fakeAccount({ webhookToken: TOKEN })]), notifications, clock });
  return { clock, notifications, accept };
}

const notification = (resource_url: string, resource_type = 'ORDER_NOTIFY'): ParsedNotification => ({ ok: true, value: { resource_url, resource_type } });
const malformed: ParsedNotification = { ok: false, reason: 'body is not JSON' };

describe('acceptWebhook', () => {
  it.each([
    ['an unknown account', 'nobody', TOKEN],
    ['a wrong token', 'default', 'not-the-token'],
  ])('refuses %s with UnauthorizedError even when the body is malformed', async (_case, accountId, token) => {
    // Prepare
    const { accept, notifications } = setup();

    // Act
    const result = accept({ accountId, token, notification: malformed });

    // Assess
    await expect(result).rejects.toThrow(UnauthorizedError);
    expect(notifications.messages).toEqual([]);
  });

  it('refuses a malformed body with a BadInputError that gives the reason', async () => {
    // Prepare
    const { accept, notifications } = setup();

    // Act
    const result = accept({ accountId: 'default', token: TOKEN, notification: malformed });

    // Assess
    await expect(result).rejects.toThrow(BadInputError);
    await expect(result).rejects.toThrow('body is not JSON');
    expect(notifications.messages).toEqual([]);
  });

  it.each([
    ['another host', 'https://attacker.example.com/orders', 'resource_url is not on a ShipStation API host'],
    ['plain http', 'http://ssapi.shipstation.com/orders', 'resource_url must use https'],
    ['credentials in the URL', 'https://user:pass@ssapi.shipstation.com/orders', 'resource_url must not carry credentials'],
    ['a relative URL', '/orders?importBatch=1', 'resource_url is not an absolute URL'],
  ])('refuses a resource_url on %s and enqueues nothing', async (_case, url, reason) => {
    // Prepare
    const { accept, notifications } = setup();

    // Act
    const result = accept({ accountId: 'default', token: TOKEN, notification: notification(url) });

    // Assess
    await expect(result).rejects.toThrow(BadInputError);
    await expect(result).rejects.toThrow(reason);
    expect(notifications.messages).toEqual([]);
  });

  it('acknowledges and ignores a resource type it does not act on', async () => {
    // Prepare
    const { accept, notifications } = setup();

    // Act
    const result = await accept({ accountId: 'default', token: TOKEN, notification: notification(ORDERS_URL, 'PRODUCT_UPDATED') });

    // Assess
    expect(result).toEqual({ status: 'ignored', reason: 'resource_type PRODUCT_UPDATED is not one we act on' });
    expect(notifications.messages).toEqual([]);
  });

  it('enqueues one notification stamped with the clock for a valid webhook', async () => {
    // Prepare
    const { accept, notifications, clock } = setup();
    clock.set('2026-07-04T17:21:05.250Z');

    // Act
    const result = await accept({ accountId: 'default', token: TOKEN, notification: notification(ORDERS_URL, 'ITEM_ORDER_NOTIFY') });

    // Assess
    expect(result).toEqual({ status: 'queued' });
    expect(notifications.messages).toEqual([
      { accountId: 'default', resourceUrl: ORDERS_URL, resourceType: 'ITEM_ORDER_NOTIFY', receivedAt: '2026-07-04T17:21:05.250Z' },
    ]);
  });

  it.each([
    [
      'an orders list with a page size',
      'ORDER_NOTIFY',
      'https://ssapi.shipstation.com/orders?pageSize=1',
      'resource_url of ORDER_NOTIFY may carry only importBatch and storeID, not pageSize',
    ],
    [
      'an unfiltered orders list',
      'ORDER_NOTIFY',
      'https://ssapi.shipstation.com/orders',
      'resource_url of ORDER_NOTIFY must name its batch: /orders?importBatch=…',
    ],
    ['an import batch that asks for 500 a page', 'ORDER_NOTIFY', `${ORDERS_URL}&pageSize=500`, 'not pageSize'],
    ['an import batch read from page 2', 'ORDER_NOTIFY', `${ORDERS_URL}&page=2`, 'not page'],
    ['an import batch and another filter', 'ORDER_NOTIFY', `${ORDERS_URL}&orderStatus=shipped`, 'not orderStatus'],
    ['an import batch named twice', 'ORDER_NOTIFY', `${ORDERS_URL}&importBatch=def-456`, 'resource_url of ORDER_NOTIFY repeats importBatch'],
    [
      'an empty import batch (ShipStation would list everything)',
      'ORDER_NOTIFY',
      'https://ssapi.shipstation.com/orders?importBatch=',
      'has an invalid importBatch',
    ],
    [
      'the label list for an order webhook',
      'ORDER_NOTIFY',
      'https://ssapi.shipstation.com/shipments?batchId=1',
      'must be /orders?importBatch=…, not another path',
    ],
    ['one order by id', 'FULFILLMENT_REJECTED', 'https://ssapi.shipstation.com/orders/123456', 'not another path'],
    ['the stores', 'SHIP_NOTIFY', 'https://ssapi.shipstation.com/stores', 'must be /shipments?batchId=…, not another path'],
    ['labels filtered by order instead of batch', 'SHIP_NOTIFY', 'https://ssapi.shipstation.com/shipments?orderId=1', 'not orderId'],
    [
      'fulfilments with a store',
      'FULFILLMENT_SHIPPED',
      'https://ssapi.shipstation.com/fulfillments?batchId=1&storeID=2',
      'may carry only batchId, not storeID',
    ],
  ])('refuses %s with the reason and enqueues nothing', async (_case, type, url, reason) => {
    // Prepare
    const { accept, notifications } = setup();

    // Act
    const result = accept({ accountId: 'default', token: TOKEN, notification: notification(url, type) });

    // Assess
    await expect(result).rejects.toThrow(BadInputError);
    await expect(result).rejects.toThrow(reason);
    expect(notifications.messages).toEqual([]);
  });
});
