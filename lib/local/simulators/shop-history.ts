// A seeded, realistic past for the ShipStation simulator: a plan of shop actions per order, replayed in time order with
// the simulator's clock moved to each action, so every createDate / modifyDate / voidDate lies in the past window.
// Orders, labels and fulfilments take the shapes real V1 payloads have (test/fixtures/shipstation/SOURCES.md): see
// CONTACT_SHARES, drawLabelEmail and drawFulfillment.
import { DateTime } from 'luxon';
import { formatPacificTimestamp, PACIFIC_ZONE } from './pacific.js';
import { seededRandom } from './shipstation-simulator.js';
import type { FulfillmentInput, LabelInput, NewOrderInput, OrderStatus, ShipStationSimulator, SimShipment } from './shipstation-simulator.js';

/** The kinds of order life a history mixes; `counts` reports how many orders followed each. */
export type ShopHistoryCategory =
  | 'awaitingPayment'
  | 'awaitingShipment'
  | 'pendingFulfillment'
  | 'heldThenReleased'
  | 'cancelledBeforeShipping'
  | 'cancelledAfterVoidedLabel'
  | 'shippedByLabel'
  | 'splitShipment'
  | 'voidedLabelReprinted'
  | 'returnLabel'
  | 'markedAsShipped'
  | 'markedAsShippedThenRestored'
  | 'fulfillmentProviderShipped'
  | 'fulfillmentRejected';

/**
 * How an order names its buyer and where it ships, each as real V1 orders have it:
 * - `billToNameOnly`: bill-to with the buyer's name and every other field null, `country` too (what V1 returns:
 *   compwright/*.json, agritheory/get_order.json, list_orders.json);
 * - `billToPhone`: the same with the buyer's phone written "(717) 455-3765" (agritheory/shipstation-client
 *   tests/test_order.py, index id 9989562612: a bill-to with that phone and `country: None`);
 * - `gift`: `gift: true` and a gift message (compwright/GetOrderResponse.json), bill-to naming the buyer with a phone,
 *   ship-to another person at another address with their own phone (the product's buyer model; no recorded gift to
 *   someone else was found, see SOURCES.md);
 * - `blankBillToName`: bill-to named `" "` or `""` (a V1 order in gist haoxi911/9363437f… has `name: " "`, per
 *   reference/shipstation-api.md §2), so the ship-to person is the buyer;
 * - `international`: ship-to in London (`state: ""`, phone null: compwright/ListOrdersResponse.json), Luzern
 *   (`state: ""`: agritheory/get_order.json), India (`state: null`, street3 the state: agritheory/list_orders.json) or
 *   Canada, with a phone in that country's format or none.
 */
export type ShopHistoryContact = 'billToNameOnly' | 'billToPhone' | 'gift' | 'blankBillToName' | 'international';

/** One order as it stands at `end`; dates are the simulator's raw Pacific text. */
export interface ShopHistoryOrder {
  orderId: number;
  category: ShopHistoryCategory;
  contact: ShopHistoryContact;
  status: OrderStatus;
  createDate: string;
  modifyDate: string;
  customerEmail: string | null;
  /** The ship-to phone. */
  phone: string | null;
}

/** One label (outbound or return) as it stands at `end`. */
export interface ShopHistoryShipment {
  shipmentId: number;
  orderId: number;
  voided: boolean;
  isReturnLabel: boolean;
  createDate: string;
  voidDate: string | null;
}

/** One fulfillment ("Mark as Shipped" or a fulfillment provider) as it stands at `end`. */
export interface ShopHistoryFulfillment {
  fulfillmentId: number;
  orderId: number;
  voided: boolean;
  createDate: string;
  voidDate: string | null;
}

/** What a history built into the simulator holds: plain data, enough to compute a test's expectations. */
export interface ShopHistory {
  /** The window as UTC ISO instants: every action happened in [start, end]. */
  start: string;
  end: string;
  /** By orderId ascending (which is also creation order). */
  orders: ShopHistoryOrder[];
  /** By shipmentId ascending. */
  shipments: ShopHistoryShipment[];
  /** By fulfillmentId ascending. */
  fulfillments: ShopHistoryFulfillment[];
  counts: Record<ShopHistoryCategory, number>;
}

/** How big a history to build and where it ends. */
export interface ShopHistoryOptions {
  orders: number;
  days: number;
  end: Date;
  seed: number;
}

/** The clock the simulator reads; `buildShopHistory` sets it to each action's instant. */
export interface SettableClock {
  set(at: Date): void;
}

/** One thing that happens to an order in the shop (also the chaos test's vocabulary). */
export type ShopStep =
  | { kind: 'import'; status: 'awaiting_payment' | 'awaiting_shipment' }
  | { kind: 'edit' }
  | { kind: 'status'; status: OrderStatus }
  | { kind: 'label'; isReturnLabel: boolean }
  | { kind: 'voidLabel' }
  | { kind: 'markAsShipped' }
  | { kind: 'voidFulfillment' }
  | { kind: 'providerShipped' }
  | { kind: 'providerRejected' };

/** A step and how long after the previous one it happens, in minutes (drawn log-uniformly). */
type PlannedStep = { step: ShopStep; after: readonly [number, number] };

interface Plan {
  category: ShopHistoryCategory;
  steps: ShopStep[];
  times: number[];
  hasPhone: boolean;
  storeIndex: number;
  carrier: string;
}

interface Event {
  plan: number;
  index: number;
  at: number;
}

interface OrderState {
  orderId: number;
  labels: number[];
  fulfillments: number[];
}

/** What an order's import adds to the defaults (a US ship-to naming the buyer), and the country it ships to abroad. */
interface ContactPlan {
  kind: ShopHistoryContact;
  input: Pick<NewOrderInput, 'billTo' | 'shipTo' | 'gift' | 'giftMessage'>;
  abroad: string | undefined;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Share of orders per category, in percent. */
const SHARES: Readonly<Record<ShopHistoryCategory, number>> = {
  awaitingPayment: 4,
  awaitingShipment: 8,
  pendingFulfillment: 1,
  heldThenReleased: 4,
  cancelledBeforeShipping: 5,
  cancelledAfterVoidedLabel: 1,
  shippedByLabel: 48,
  splitShipment: 4,
  voidedLabelReprinted: 4,
  returnLabel: 3,
  markedAsShipped: 8,
  markedAsShippedThenRestored: 1,
  fulfillmentProviderShipped: 6,
  fulfillmentRejected: 3,
};
const CATEGORIES = Object.keys(SHARES) as ShopHistoryCategory[];
const CARRIERS = ['stamps_com', 'stamps_com', 'stamps_com', 'ups_walleted', 'ups_walleted', 'fedex'] as const;

/**
 * Share of orders per contact shape, in percent. They are drawn from streams of their own (seeded from `seed`), so the
 * categories, statuses and times (what benchmarks depend on) are the same as before shapes were mixed in.
 */
const CONTACT_SHARES: Readonly<Record<ShopHistoryContact, number>> = {
  billToNameOnly: 60,
  billToPhone: 12,
  gift: 6,
  blankBillToName: 7,
  international: 15,
};
const CONTACTS = Object.keys(CONTACT_SHARES) as ShopHistoryContact[];
const CONTACT_SALT = 0x5c0de;
const LABEL_SALT = 0x1abe1;
const FULFILLMENT_SALT = 0xf1f1;

const BUYER_FIRST_NAMES = ['Alex', 'Jordan', 'Sam', 'Riley', 'Casey', 'Morgan', 'Jamie', 'Taylor'] as const;
const RECIPIENT_FIRST_NAMES = ['Rosa', 'Omar', 'Grace', 'Felix', 'Ines', 'Theo', 'Nadia', 'Hugo'] as const;
const FAMILY_NAMES = ['Diaz', 'Brennan', 'Lindqvist', 'Mensah', 'Tanaka', 'Moreau', 'Novak', 'Haddad'] as const;
/** "Thank you!" is the docs' gift message (compwright/GetOrderResponse.json). */
const GIFT_MESSAGES = ['Thank you!', 'Happy birthday!', 'Congratulations on the new place!', 'Enjoy, love from us both'] as const;
/** US area codes for bill-to phones; the line numbers are 555-01xx, which are reserved for fiction. */
const AREA_CODES = ['717', '212', '503', '312', '617', '206'] as const;
const GIFT_PLACES = [
  { street: 'Atlantic Ave', city: 'Brooklyn', state: 'NY', postalCode: '11217' },
  { street: 'Hawthorne Blvd', city: 'Portland', state: 'OR', postalCode: '97214' },
  { street: 'Clark St', city: 'Chicago', state: 'IL', postalCode: '60614' },
  { street: 'Tremont St', city: 'Boston', state: 'MA', postalCode: '02118' },
] as const;

const paid = { kind: 'import', status: 'awaiting_shipment' } as const;
const label: ShopStep = { kind: 'label', isReturnLabel: false };
const edit: PlannedStep = { step: { kind: 'edit' }, after: [2, 600] };
const ship: PlannedStep = { step: label, after: [15, 3 * 1440] };

/** The steps of one order of a category; optional steps (an address edit, shipping after a hold) are drawn here. */
function planSteps(category: ShopHistoryCategory, random: () => number): PlannedStep[] {
  const start: PlannedStep = { step: paid, after: [0, 0] };
  const maybeEdit = random() < 0.15 ? [edit] : [];
  switch (category) {
    case 'awaitingPayment':
      return [{ step: { kind: 'import', status: 'awaiting_payment' }, after: [0, 0] }];
    case 'awaitingShipment':
      return [start, ...(random() < 0.3 ? [edit] : [])];
    case 'pendingFulfillment':
      return [start, { step: { kind: 'status', status: 'pending_fulfillment' }, after: [5, 240] }];
    case 'heldThenReleased':
      return [
        start,
        { step: { kind: 'status', status: 'on_hold' }, after: [10, 1440] },
        { step: { kind: 'status', status: 'awaiting_shipment' }, after: [60, 5 * 1440] },
        ...(random() < 0.6 ? [ship] : []),
      ];
    case 'cancelledBeforeShipping':
      return [start, ...maybeEdit, { step: { kind: 'status', status: 'cancelled' }, after: [30, 5 * 1440] }];
    case 'cancelledAfterVoidedLabel':
      return [start, ship, { step: { kind: 'voidLabel' }, after: [10, 2 * 1440] }, { step: { kind: 'status', status: 'cancelled' }, after: [5, 1440] }];
    case 'shippedByLabel':
      return [start, ...maybeEdit, ship];
    case 'splitShipment':
      return [start, ship, { step: label, after: [60, 4 * 1440] }];
    case 'voidedLabelReprinted':
      return [start, ship, { step: { kind: 'voidLabel' }, after: [10, 2 * 1440] }, { step: label, after: [5, 1440] }];
    case 'returnLabel':
      return [start, ship, { step: { kind: 'label', isReturnLabel: true }, after: [3 * 1440, 21 * 1440] }];
    case 'markedAsShipped':
      return [start, ...maybeEdit, { step: { kind: 'markAsShipped' }, after: [30, 4 * 1440] }];
    case 'markedAsShippedThenRestored':
      return [start, { step: { kind: 'markAsShipped' }, after: [30, 4 * 1440] }, { step: { kind: 'voidFulfillment' }, after: [60, 3 * 1440] }];
    case 'fulfillmentProviderShipped':
      return [
        start,
        { step: { kind: 'status', status: 'pending_fulfillment' }, after: [5, 240] },
        { step: { kind: 'providerShipped' }, after: [360, 4 * 1440] },
      ];
    case 'fulfillmentRejected':
      return [
        start,
        { step: { kind: 'status', status: 'pending_fulfillment' }, after: [5, 240] },
        { step: { kind: 'providerRejected' }, after: [60, 2 * 1440] },
      ];
  }
}

/**
 * Builds a seeded shop history of `orders` orders over the `days` before `end` into a simulator, without sending
 * webhooks (none are attempted while the simulator has no subscriptions). The simulator must have been started with
 * `now: () => <the time last passed to clock.set>`: the clock is moved forward through every action, and is left at
 * `end`. Start from a fresh simulator for reproducible ids: the same seed then yields the same history.
 * @returns the orders, labels and fulfillments as they stand at `end`, and how many orders followed each category
 */
export function buildShopHistory(sim: ShipStationSimulator, clock: SettableClock, options: ShopHistoryOptions): ShopHistory {
  const { orders, days, end, seed } = options;
  if (!Number.isInteger(orders) || orders < 0) throw new Error(`orders must be a whole number ≥ 0, got ${orders}`);
  if (!(days > 0)) throw new Error(`days must be > 0, got ${days}`);
  if (Number.isNaN(end.getTime())) throw new Error('end must be a valid date');
  const endMs = end.getTime();
  const startMs = endMs - days * DAY;
  const random = seededRandom(seed);

  const plans = Array.from({ length: orders }, (_, index) => planOrder(index, orders, startMs, endMs, random));
  for (const transition of dstTransitions(startMs, endMs)) placeAcross(transition, plans, startMs, endMs, random);
  const contactRandom = seededRandom((seed ^ CONTACT_SALT) >>> 0);
  const contacts = plans.map((plan, index) => drawContact(index, plan.hasPhone, contactRandom));
  const shapes: Shapes = {
    label: seededRandom((seed ^ LABEL_SALT) >>> 0),
    fulfillment: seededRandom((seed ^ FULFILLMENT_SALT) >>> 0),
  };

  const events: Event[] = [];
  plans.forEach((plan, index) => plan.times.forEach((at, step) => events.push({ plan: index, index: step, at })));
  events.sort((a, b) => a.at - b.at || a.plan - b.plan || a.index - b.index);

  const stores = sim.listStores().map((store) => store.storeId);
  const states: (OrderState | undefined)[] = new Array(orders);
  const shipments = new Map<number, ShopHistoryShipment>();
  const fulfillments = new Map<number, ShopHistoryFulfillment>();
  let checked = false;
  for (const event of events) {
    const plan = plans[event.plan] as Plan;
    const step = plan.steps[event.index] as ShopStep;
    clock.set(new Date(event.at));
    if (step.kind === 'import') {
      const orderDate = new Date(Math.max(startMs, event.at - Math.floor(random() * 30 * MINUTE)));
      const contact = contacts[event.plan] as ContactPlan;
      const order = sim.importOrder({
        status: step.status,
        storeId: stores[plan.storeIndex % stores.length],
        orderDate,
        ...contact.input,
      });
      if (!checked && order.createDate !== formatPacificTimestamp(new Date(event.at))) {
        throw new Error('the simulator does not read the clock given to buildShopHistory: start it with now: () => that time');
      }
      checked = true;
      states[event.plan] = { orderId: order.orderId, labels: [], fulfillments: [] };
      continue;
    }
    const state = states[event.plan] as OrderState;
    const shipping = { carrier: labelCarrier(plan.carrier, contacts[event.plan] as ContactPlan), at: new Date(event.at) };
    runStep(sim, step, state, shipping, random, shapes, shipments, fulfillments);
  }
  clock.set(new Date(endMs));

  const counts = Object.fromEntries(CATEGORIES.map((category) => [category, 0])) as Record<ShopHistoryCategory, number>;
  const orderRecords: ShopHistoryOrder[] = [];
  plans.forEach((plan, index) => {
    counts[plan.category]++;
    const state = states[index] as OrderState;
    const order = sim.getOrder(state.orderId);
    orderRecords.push({
      orderId: order.orderId,
      category: plan.category,
      contact: (contacts[index] as ContactPlan).kind,
      status: order.orderStatus,
      createDate: order.createDate,
      modifyDate: order.modifyDate,
      customerEmail: order.customerEmail,
      phone: order.shipTo.phone,
    });
  });
  orderRecords.sort((a, b) => a.orderId - b.orderId);
  return {
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    orders: orderRecords,
    shipments: [...shipments.values()].sort((a, b) => a.shipmentId - b.shipmentId),
    fulfillments: [...fulfillments.values()].sort((a, b) => a.fulfillmentId - b.fulfillmentId),
    counts,
  };
}

/** The streams that pick each label's and fulfilment's shape. */
interface Shapes {
  label: () => number;
  fulfillment: () => number;
}

function runStep(
  sim: ShipStationSimulator,
  step: Exclude<ShopStep, { kind: 'import' }>,
  state: OrderState,
  shipping: { carrier: string; at: Date },
  random: () => number,
  shapes: Shapes,
  shipments: Map<number, ShopHistoryShipment>,
  fulfillments: Map<number, ShopHistoryFulfillment>,
): void {
  const { orderId } = state;
  const keepShipment = (shipment: SimShipment): void => {
    shipments.set(shipment.shipmentId, {
      shipmentId: shipment.shipmentId,
      orderId,
      voided: shipment.voided,
      isReturnLabel: shipment.isReturnLabel,
      createDate: shipment.createDate,
      voidDate: shipment.voidDate,
    });
  };
  switch (step.kind) {
    case 'edit':
      if (random() < 0.5) sim.editOrder(orderId, { shipTo: { street2: `Apt ${1 + Math.floor(random() * 40)}` } });
      else sim.editOrder(orderId, { internalNotes: 'Customer asked to ship with the next batch' });
      return;
    case 'status':
      sim.setOrderStatus(orderId, step.status);
      return;
    case 'label': {
      const shipment = sim.createLabel(orderId, {
        carrierCode: shipping.carrier,
        isReturnLabel: step.isReturnLabel,
        ...drawLabelEmail(shapes.label),
      });
      if (!step.isReturnLabel) state.labels.push(shipment.shipmentId);
      keepShipment(shipment);
      return;
    }
    case 'voidLabel': {
      const shipmentId = state.labels.pop();
      if (shipmentId === undefined) throw new Error(`order ${orderId} has no label to void`);
      keepShipment(sim.voidLabel(shipmentId));
      return;
    }
    case 'markAsShipped':
    case 'providerShipped': {
      const input = drawFulfillment(step.kind === 'providerShipped', shipping.at, shapes.fulfillment);
      const fulfillment = step.kind === 'markAsShipped' ? sim.markAsShipped(orderId, input) : sim.fulfillmentProviderShipped(orderId, input);
      state.fulfillments.push(fulfillment.fulfillmentId);
      fulfillments.set(fulfillment.fulfillmentId, {
        fulfillmentId: fulfillment.fulfillmentId,
        orderId,
        voided: false,
        createDate: fulfillment.createDate,
        voidDate: null,
      });
      return;
    }
    case 'voidFulfillment': {
      const fulfillmentId = state.fulfillments.pop();
      if (fulfillmentId === undefined) throw new Error(`order ${orderId} has no fulfillment to void`);
      const voided = sim.voidFulfillment(fulfillmentId);
      fulfillments.set(fulfillmentId, {
        fulfillmentId,
        orderId,
        voided: voided.voided,
        createDate: voided.createDate,
        voidDate: voided.voidDate,
      });
      return;
    }
    case 'providerRejected':
      sim.fulfillmentProviderRejected(orderId);
      return;
  }
}

/**
 * Draws one order's category and step times. The first orders take one category each, so even a small history holds
 * every kind; about 4% of orders (and always the last one) finish in the 24 hours before `end`.
 */
function planOrder(index: number, orders: number, startMs: number, endMs: number, random: () => number): Plan {
  const category = index < CATEGORIES.length ? (CATEGORIES[index] as ShopHistoryCategory) : drawCategory(random);
  const planned = planSteps(category, random);
  const window = endMs - startMs;
  const delays = fitDelays(
    planned.slice(1).map(({ after: [min, max] }) => Math.round(logUniform(min, max, random) * MINUTE)),
    Math.floor(window * 0.8),
  );
  const span = delays.reduce((sum, delay) => sum + delay, 0);
  let start: number;
  if (index === orders - 1 || random() < 0.04) {
    const last = endMs - Math.floor(random() * Math.min(DAY, window));
    start = Math.max(startMs, last - span);
  } else {
    start = startMs + Math.floor(random() * (window - span + 1));
  }
  start = Math.max(startMs, Math.min(start, endMs - span));
  return {
    category,
    steps: planned.map(({ step }) => step),
    times: timesFrom(start, delays),
    hasPhone: random() < 0.1,
    storeIndex: random() < 0.9 ? 0 : 1,
    carrier: CARRIERS[Math.floor(random() * CARRIERS.length)] as string,
  };
}

/** Moves one multi-step order so its first two actions straddle a DST change (the repeated or skipped hour). */
function placeAcross(transition: number, plans: Plan[], startMs: number, endMs: number, random: () => number): void {
  const candidates = plans.filter((plan, index) => plan.steps.length >= 2 && index !== plans.length - 1);
  if (candidates.length === 0) return;
  const plan = candidates[Math.floor(random() * candidates.length)] as Plan;
  const first = transition - (5 + Math.floor(random() * 50)) * MINUTE;
  const second = transition + (5 + Math.floor(random() * 50)) * MINUTE;
  if (first < startMs || second > endMs) return;
  const rest = fitDelays(
    plan.times.slice(2).map((at, i) => at - (plan.times[i + 1] as number)),
    endMs - second,
  );
  if (second + rest.reduce((sum, delay) => sum + delay, 0) > endMs) return;
  plan.times = timesFrom(first, [second - first, ...rest]);
}

/** The instants in (startMs, endMs] where Pacific time switches between PST and PDT (always on a whole UTC hour). */
function dstTransitions(startMs: number, endMs: number): number[] {
  const offset = (ms: number): number => DateTime.fromMillis(ms, { zone: PACIFIC_ZONE }).offset;
  const found: number[] = [];
  for (let day = Math.ceil(startMs / HOUR) * HOUR; day < endMs; day += DAY) {
    const next = Math.min(day + DAY, endMs);
    if (offset(day) === offset(next)) continue;
    for (let hour = day + HOUR; hour <= next; hour += HOUR) {
      if (offset(hour) !== offset(day)) {
        if (hour > startMs + HOUR && hour < endMs) found.push(hour);
        break;
      }
    }
  }
  return found;
}

/** Shrinks delays proportionally (keeping each ≥ 1 s) when they do not fit in `budget` ms. */
function fitDelays(delays: number[], budget: number): number[] {
  const total = delays.reduce((sum, delay) => sum + delay, 0);
  if (total <= budget) return delays;
  return delays.map((delay) => Math.max(1000, Math.floor((delay * budget) / total)));
}

function timesFrom(start: number, delays: number[]): number[] {
  const times = [start];
  for (const delay of delays) times.push((times[times.length - 1] as number) + delay);
  return times;
}

/**
 * One order's contact fields, drawn from the shop history's mix (bill-to with a name only or a phone without a country,
 * a blank bill-to name, a gift to someone else, a ship-to abroad): for tests that import their own orders.
 */
export function drawOrderContact(index: number, random: () => number): { kind: ShopHistoryContact; input: ContactPlan['input'] } {
  const { kind, input } = drawContact(index, true, random);
  return { kind, input };
}

/** One order's contact shape (see ShopHistoryContact); `hasPhone` keeps deciding whether a US ship-to has a phone. */
function drawContact(index: number, hasPhone: boolean, random: () => number): ContactPlan {
  const kind = drawShare(CONTACTS, CONTACT_SHARES, random) ?? 'billToNameOnly';
  const line = (): string => String(Math.floor(random() * 100)).padStart(2, '0');
  const usPhone = (): string => `(${pickOne(AREA_CODES, random)}) 555-01${line()}`;
  const shipToPhone = hasPhone ? {} : { phone: null };
  switch (kind) {
    case 'billToNameOnly':
      return { kind, input: { shipTo: shipToPhone }, abroad: undefined };
    case 'billToPhone':
      return { kind, input: { billTo: { phone: usPhone(), country: null }, shipTo: shipToPhone }, abroad: undefined };
    case 'blankBillToName':
      return { kind, input: { billTo: { name: random() < 0.5 ? ' ' : '' }, shipTo: shipToPhone }, abroad: undefined };
    case 'gift': {
      const family = pickOne(FAMILY_NAMES, random);
      const place = pickOne(GIFT_PLACES, random);
      const input: ContactPlan['input'] = {
        gift: true,
        giftMessage: pickOne(GIFT_MESSAGES, random),
        billTo: { name: `${pickOne(BUYER_FIRST_NAMES, random)} ${family}`, phone: usPhone(), country: null },
        shipTo: {
          name: `${pickOne(RECIPIENT_FIRST_NAMES, random)} ${pickOne(FAMILY_NAMES, random)}`,
          street1: `${10 + (index % 900)} ${place.street}`,
          city: place.city,
          state: place.state,
          postalCode: place.postalCode,
          country: 'US',
          phone: usPhone(),
        },
      };
      return { kind, input, abroad: undefined };
    }
    case 'international': {
      const shipTo = abroadAddress(index, random);
      return { kind, input: { shipTo }, abroad: shipTo.country ?? undefined };
    }
  }
}

/**
 * A ship-to abroad, shaped like the fixtures' foreign orders: blank or null state where they have it, street lines as
 * they write them, and a phone in the country's own format (UK drama numbers 020 7946 0xxx, North American 555-01xx)
 * or none, as the recorded ones have none.
 */
function abroadAddress(index: number, random: () => number): NonNullable<NewOrderInput['shipTo']> {
  const house = 1 + (index % 200);
  const roll = random();
  const withPhone = random() < 0.5;
  const digits = String(Math.floor(random() * 1000)).padStart(3, '0');
  if (roll < 0.35) {
    return {
      company: '',
      street1: `${house} Camden High St`,
      street2: '',
      street3: null,
      city: 'London',
      state: '',
      postalCode: 'NW1 7JE',
      country: 'GB',
      phone: withPhone ? `020 7946 0${digits}` : null,
      residential: true,
      addressVerified: 'Address not yet validated',
    };
  }
  if (roll < 0.55) {
    return {
      company: null,
      street1: 'Weystrasse',
      street2: String(house),
      street3: null,
      city: 'Luzern',
      state: '',
      postalCode: '6006',
      country: 'CH',
      phone: null,
      residential: false,
      addressVerified: 'Address not yet validated',
    };
  }
  if (roll < 0.7) {
    return {
      company: null,
      street1: `${house} Linking Rd`,
      street2: 'Near Flower Market',
      street3: 'Maharashtra',
      city: 'Mumbai',
      state: null,
      postalCode: '400050',
      country: 'IN',
      phone: null,
      residential: false,
      addressVerified: 'Address not yet validated',
    };
  }
  return {
    company: null,
    street1: `${house} King St W`,
    street2: null,
    street3: null,
    city: 'Toronto',
    state: 'ON',
    postalCode: 'M5V 1J5',
    country: 'CA',
    phone: withPhone ? `(416) 555-01${digits.slice(1)}` : null,
    residential: true,
    addressVerified: 'Address validated successfully',
  };
}

/** The label's carrier: the plan's, but USPS for UPS abroad outside Canada (UPS Standard reaches Canada and Mexico only). */
function labelCarrier(carrier: string, contact: ContactPlan): string {
  const abroad = contact.abroad;
  return abroad !== undefined && abroad !== 'CA' && carrier.startsWith('ups') ? 'stamps_com' : carrier;
}

/**
 * A label row's `customerEmail`: mostly the order's; null in about 15% (recorded rows: johnhamelink, agritheory); no key
 * at all in about 10% (the V1 docs' List Shipments example, v1-docs/list_shipments.json).
 */
function drawLabelEmail(random: () => number): Pick<LabelInput, 'customerEmail'> {
  const roll = random();
  if (roll < 0.15) return { customerEmail: null };
  if (roll < 0.25) return { customerEmail: 'absent' };
  return {};
}

/**
 * A fulfilment's carrier as typed: "USPS", "FedEx" (v1-docs/list_fulfillments.json) or "UPS" (agritheory); about 6% of
 * "Mark as Shipped" rows have no carrier, an empty tracking number and a shipDate with its time of day, as a recorded
 * row has them (agritheory/list_fulfillments.json).
 */
function drawFulfillment(byProvider: boolean, at: Date, random: () => number): FulfillmentInput {
  const roll = random();
  if (byProvider) return { carrierCode: roll < 0.6 ? 'UPS' : 'FedEx' };
  if (roll < 0.06) return { carrierCode: null, trackingNumber: '', shipDate: at };
  if (roll < 0.55) return { carrierCode: 'USPS' };
  return { carrierCode: roll < 0.8 ? 'FedEx' : 'UPS' };
}

function drawShare<T extends string>(values: readonly T[], shares: Readonly<Record<T, number>>, random: () => number): T | undefined {
  let roll = random() * 100;
  for (const value of values) {
    roll -= shares[value];
    if (roll < 0) return value;
  }
  return undefined;
}

function pickOne<T>(values: readonly T[], random: () => number): T {
  return values[Math.floor(random() * values.length)] as T;
}

function drawCategory(random: () => number): ShopHistoryCategory {
  let roll = random() * 100;
  for (const category of CATEGORIES) {
    roll -= SHARES[category];
    if (roll < 0) return category;
  }
  return 'shippedByLabel';
}

function logUniform(min: number, max: number, random: () => number): number {
  if (max <= min) return min;
  return Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min)));
}
