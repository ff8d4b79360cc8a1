// Driving a local stack (the one `npm start` runs) step by step from an end-to-end test: its simulated shop, the events
// Klaviyo accepted, whether every queue is idle, one order's events once they arrived, and a scheduled poll.
import type { AcceptedEvent } from '../../lib/local/simulators/klaviyo-simulator.js';
import type { LocalStack } from '../../lib/local/stack.js';
import { eventually, queueDepth } from './handler-env.js';

/** A buyer who ships to herself, with a US phone on the ship-to address and no country on the bill-to (as V1 orders have it). */
export const JANE = {
  customerEmail: 'jane.doe@example.com',
  billTo: { name: 'Jane Doe', phone: null, country: null },
  shipTo: { name: 'Jane Doe', phone: '(415) 555-0142', city: 'Oakland', state: 'CA', postalCode: '94607', country: 'US' },
};

export interface StackSession {
  /** The simulated ShipStation (the stack must run on simulators). */
  shop(): NonNullable<LocalStack['shipStation']>;
  /** Every event the Klaviyo simulator accepted, in order. */
  accepted(): AcceptedEvent[];
  /** Whether the notifications, updates, polls and history queues are all empty. */
  settled(): Promise<boolean>;
  /** The metrics of one order's events, once `count` arrived and the pipeline is idle (webhooks flushed first). */
  metricsOf(orderId: number, count: number): Promise<string[]>;
  /** A scheduled poll a second after the last change (the filters are whole seconds or inclusive instants), run to idle. */
  poll(): Promise<void>;
}

/** A session over the stack `current()` returns (the test's beforeAll starts it). */
export function stackSession(current: () => LocalStack): StackSession {
  const shop = (): NonNullable<LocalStack['shipStation']> => {
    const sim = current().shipStation;
    if (sim === undefined) throw new Error('the stack should run on simulators');
    return sim;
  };
  const accepted = (): AcceptedEvent[] => current().klaviyo?.events ?? [];
  const settled = async (): Promise<boolean> => {
    const { aws } = current();
    const queues = [aws.queues.notifications, aws.queues.updates, aws.queues.polls, aws.queues.history];
    return (await Promise.all(queues.map((q) => queueDepth(aws, q)))).every((depth) => depth === 0);
  };
  const ofOrder = (orderId: number): AcceptedEvent[] => accepted().filter((e) => e.properties.OrderId === String(orderId));
  return {
    shop,
    accepted,
    settled,
    async metricsOf(orderId, count) {
      await shop().flushWebhooks();
      await eventually(() => ofOrder(orderId).length >= count, `${count} event(s) of order ${orderId}`);
      await eventually(settled, 'every queue drained');
      return ofOrder(orderId).map((e) => e.metric);
    },
    async poll() {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await current().schedulePolls();
      await eventually(settled, 'the poll done');
    },
  };
}
