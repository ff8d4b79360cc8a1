// The V2 tracking payload → tracking update, and what an update means for a shipment (categories, stale rule, when a
// milestone began).
import { categoryOf, decideTrackingUpdate, delayDue, type TrackingProgress } from '../../lib/domain/shipment-tracking.js';
import { normaliseTrackingNumber, type TrackingUpdate } from '../../lib/domain/tracking.js';
import { statusCodeOf, trackEventV2Schema, trackingUpdateFrom, v2Instant } from '../../lib/normalise/tracking.js';
import { orderSnapshot } from '../helpers/factories.js';

const PACIFIC = 'America/Los_Angeles';
const RECEIVED = new Date('2026-11-20T15:00:00.000Z');

const body = (data: Record<string, unknown>): unknown => ({
  resource_url: 'https://api.shipstation.com/v2/labels/se-1234567890/track',
  resource_type: 'API_TRACK',
  data: { tracking_number: '1Z999AA10123456784', status_code: 'IT', carrier_code: 'ups', events: [], ...data },
});

function normalised(data: Record<string, unknown>): TrackingUpdate {
  const result = trackingUpdateFrom('acme', trackEventV2Schema.parse(body(data)), RECEIVED);
  if (!result.ok) throw new Error(result.reason);
  return result.update;
}

describe('trackingUpdateFrom', () => {
  it('reads a TRACK_EVENT_V2 body: codes, UTC times, newest scans first, the label id', () => {
    // Act
    const update = normalised({
      status_code: 'DE',
      status_description: 'Delivered',
      tracking_url: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
      actual_delivery_date: '2026-11-20T14:05:00Z',
      estimated_delivery_date: '2026-11-20T00:00:00',
      events: [
        { occurred_at: '2026-11-19T08:00:00Z', status_code: 'IT', description: 'Departed facility', city_locality: 'Oakland' },
        {
          occurred_at: '2026-11-20T14:05:00Z',
          carrier_occurred_at: '2026-11-20T06:05:00',
          status_code: 'DE',
          description: 'Delivered',
          city_locality: 'San Francisco',
          state_province: 'CA',
          country_code: 'US',
        },
        { occurred_at: 'not a time', status_code: 'IT' },
      ],
    });

    // Assess
    expect(update).toEqual({
      kind: 'tracking',
      accountId: 'acme',
      trackingNumber: '1Z999AA10123456784',
      carrierCode: 'ups',
      labelId: 'se-1234567890',
      statusCode: 'DE',
      statusDescription: 'Delivered',
      trackingUrl: 'https://www.ups.com/track?tracknum=1Z999AA10123456784',
      estimatedDeliveryDate: '2026-11-20',
      actualDeliveryAt: '2026-11-20T14:05:00.000Z',
      scans: [
        { occurredAt: '2026-11-20T14:05:00.000Z', statusCode: 'DE', description: 'Delivered', city: 'San Francisco', region: 'CA', country: 'US' },
        { occurredAt: '2026-11-19T08:00:00.000Z', statusCode: 'IT', description: 'Departed facility', city: 'Oakland' },
      ],
      receivedAt: '2026-11-20T15:00:00.000Z',
    });
  });

  it.each([
    ['DE', 'DE'],
    ['sp', 'SP'],
    ['DELIVERED', 'DE'],
    ['OUT_FOR_DELIVERY', 'IT'],
    ['ATTEMPTED_DELIVERY_2ND', 'AT'],
    ['EXCEPTION', 'EX'],
    ['NOT_YET_IN_SYSTEM', 'NY'],
    ['CARRIER_STATUS_NOT_MAPPED', 'UN'],
    ['', undefined],
  ])('reads the status code %s as %s', (raw, code) => {
    expect(statusCodeOf(raw)).toBe(code);
  });

  it('keeps a long OUT_FOR_DELIVERY status as in transit, out for delivery', () => {
    // Act
    const update = normalised({ status_code: 'OUT_FOR_DELIVERY' });

    // Assess
    expect(update).toMatchObject({ statusCode: 'IT', statusDetailCode: 'OUT_FOR_DELIVERY' });
    expect(categoryOf(update.statusCode, update.statusDetailCode)).toBe('out_for_delivery');
  });

  it("upgrades V2's own http tracking link to https, keeping host, path and query", () => {
    // Prepare: the link of the V2 docs' TRACK_EVENT_V2 example (test/fixtures/shipstation/v2/track_event_v2_docs_NY.json)
    const link =
      'http://wwwapps.ups.com/WebTracking/processRequest?HTMLVersion=5.0&Requester=NES&AgreeToTermsAndConditions=yes&loc=en_US&tracknum=1Z0000000000000000';

    // Act
    const update = normalised({ tracking_url: link });

    // Assess
    expect(update.trackingUrl).toBe(`https${link.slice('http'.length)}`);
  });

  it.each([['javascript:alert(1)'], ['ftp://tools.usps.com/track'], ['data:text/html,hi'], ['not a url']])('drops a tracking link %s', (link) => {
    expect(normalised({ tracking_url: link }).trackingUrl).toBeUndefined();
  });

  it('dates ShipEngine API_TRACK scans by event_date, and prefers occurred_at when a scan has both', () => {
    // Act
    const update = normalised({
      status_code: 'DE',
      events: [
        {
          event_date: '2019-04-12T17:45:26.734Z',
          description: 'Delivered, Individual Picked Up at Post Office',
          city_locality: 'AUSTIN',
          state_province: 'TX',
          postal_code: '78721',
          country_code: '',
        },
        { event_date: '2019-04-11T09:00:00.000Z', occurred_at: '2019-04-11T08:00:00Z', description: 'Arrived at Post Office' },
        { event_date: 'not a time', description: 'Unreadable' },
      ],
    });

    // Assess
    expect(update.scans).toEqual([
      {
        occurredAt: '2019-04-12T17:45:26.734Z',
        description: 'Delivered, Individual Picked Up at Post Office',
        city: 'AUSTIN',
        region: 'TX',
        postalCode: '78721',
      },
      { occurredAt: '2019-04-11T08:00:00.000Z', description: 'Arrived at Post Office' },
    ]);
  });

  it('refuses a body without data', () => {
    // Act
    const result = trackingUpdateFrom('acme', trackEventV2Schema.parse({ resource_type: 'API_TRACK' }), RECEIVED);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'the webhook has no data object' });
  });

  it('reads a V2 time without an offset as UTC, and an unreadable one as nothing', () => {
    expect(v2Instant('2026-11-20T06:05:00')).toBe('2026-11-20T06:05:00.000Z');
    expect(v2Instant('2026-11-20T06:05:00-08:00')).toBe('2026-11-20T14:05:00.000Z');
    expect(v2Instant('soon')).toBeUndefined();
  });
});

describe('decideTrackingUpdate', () => {
  const update = (
    statusCode: TrackingUpdate['statusCode'],
    scans: [string, TrackingUpdate['statusCode']][],
    extra: Partial<TrackingUpdate> = {},
  ): TrackingUpdate => ({
    kind: 'tracking',
    accountId: 'acme',
    trackingNumber: 'T1',
    statusCode,
    scans: scans.map(([occurredAt, code]) => ({ occurredAt, statusCode: code })),
    receivedAt: '2026-11-20T15:00:00.000Z',
    ...extra,
  });

  it('dates In Transit at the first carrier scan the update brings, not the newest', () => {
    // Act
    const decision = decideTrackingUpdate(
      undefined,
      update('IT', [
        ['2026-11-19T10:00:00.000Z', 'IT'],
        ['2026-11-19T02:00:00.000Z', 'AC'],
        ['2026-11-18T20:00:00.000Z', 'NY'],
      ]),
      5,
    );

    // Assess
    expect(decision).toMatchObject({
      outcome: 'current',
      milestone: { category: 'in_transit', since: '2026-11-19T02:00:00.000Z' },
      next: { lastScanAt: '2026-11-19T10:00:00.000Z', stallDueAt: '2026-11-24T10:00:00.000Z' },
    });
  });

  it("keeps the category's start across redeliveries and newer scans of the same category", () => {
    // Prepare
    const first = decideTrackingUpdate(undefined, update('EX', [['2026-11-19T10:00:00.000Z', 'EX']]), 5);
    if (first.outcome !== 'current') throw new Error('expected current');

    // Act
    const redelivered = decideTrackingUpdate(first.next, update('EX', [['2026-11-19T10:00:00.000Z', 'EX']]), 5);
    const newer = decideTrackingUpdate(first.next, update('EX', [['2026-11-20T10:00:00.000Z', 'EX']]), 5);

    // Assess
    expect(redelivered).toMatchObject({ outcome: 'current', changed: false, milestone: { category: 'exception', since: '2026-11-19T10:00:00.000Z' } });
    expect(newer).toMatchObject({ outcome: 'current', changed: true, milestone: { category: 'exception', since: '2026-11-19T10:00:00.000Z' } });
  });

  it('treats an update older than the scans applied as stale while the package is moving', () => {
    // Prepare
    const exception: TrackingProgress = {
      category: 'exception',
      categorySince: '2026-11-19T14:00:00.000Z',
      lastScanAt: '2026-11-19T14:00:00.000Z',
      statusCode: 'EX',
      passedInTransit: false,
    };

    // Act
    const older = decideTrackingUpdate(exception, update('IT', [['2026-11-19T13:00:00.000Z', 'IT']]), 5);
    const same = decideTrackingUpdate(exception, update('EX', [['2026-11-19T14:00:00.000Z', 'EX']]), 5);

    // Assess
    expect(older).toEqual({ outcome: 'stale', reason: 'older than the scans already applied' });
    expect(same).toMatchObject({ outcome: 'current' });
  });

  it('never lets an update without scans (dated only by its arrival) make a later-arriving earlier scan stale', () => {
    // Prepare: "not yet in system" arrives with no scans at 12:00
    const first = decideTrackingUpdate(undefined, update('NY', [], { receivedAt: '2026-11-20T12:00:00.000Z' }), 5);
    if (first.outcome !== 'current') throw new Error('expected current');

    // Act: the carrier's first scan, made at 11:00, uploaded late
    const scan = decideTrackingUpdate(first.next, update('IT', [['2026-11-20T11:00:00.000Z', 'IT']]), 5);

    // Assess
    expect(first.next.lastScanAt).toBeUndefined();
    expect(first.next.stallDueAt).toBe('2026-11-25T12:00:00.000Z');
    expect(scan).toMatchObject({
      outcome: 'current',
      milestone: { category: 'in_transit', since: '2026-11-20T11:00:00.000Z' },
      next: { lastScanAt: '2026-11-20T11:00:00.000Z', stallDueAt: '2026-11-25T11:00:00.000Z' },
    });
  });

  it('treats an older update and anything after delivery as stale, and a scan that says nothing as no move', () => {
    // Prepare
    const progress: TrackingProgress = {
      category: 'delivered',
      categorySince: '2026-11-20T14:00:00.000Z',
      lastScanAt: '2026-11-20T14:00:00.000Z',
      statusCode: 'DE',
      passedInTransit: true,
    };
    const moving: TrackingProgress = {
      category: 'in_transit',
      categorySince: '2026-11-19T14:00:00.000Z',
      lastScanAt: '2026-11-19T14:00:00.000Z',
      statusCode: 'IT',
      passedInTransit: false,
    };

    // Act / Assess
    expect(decideTrackingUpdate(progress, update('IT', [['2026-11-20T13:00:00.000Z', 'IT']]), 5)).toMatchObject({ outcome: 'stale' });
    expect(decideTrackingUpdate(progress, update('EX', [['2026-11-21T13:00:00.000Z', 'EX']]), 5)).toMatchObject({
      outcome: 'stale',
      reason: 'the package was delivered already',
    });
    expect(decideTrackingUpdate(moving, update('UN', [['2026-11-20T13:00:00.000Z', 'UN']]), 5)).toMatchObject({
      outcome: 'current',
      next: { category: 'in_transit', categorySince: '2026-11-19T14:00:00.000Z' },
    });
  });
});

describe('delayDue', () => {
  it("is the end of the ship-by day in the account's zone when there is one, else the configured hours after the order; none once shipped, cancelled or unpaid", () => {
    expect(delayDue(orderSnapshot(), 72, PACIFIC)).toEqual({ dueAt: '2026-07-09T07:00:00.000Z', reason: 'past_ship_by_date' });
    expect(delayDue(orderSnapshot(), 72, 'America/New_York')).toEqual({ dueAt: '2026-07-09T04:00:00.000Z', reason: 'past_ship_by_date' });
    expect(delayDue(orderSnapshot({ shipByDate: undefined }), 48, PACIFIC)).toEqual({ dueAt: '2026-07-06T17:00:00.000Z', reason: 'no_label_in_time' });
    expect(delayDue(orderSnapshot({ status: 'on_hold' }), 72, PACIFIC)).toBeDefined();
    for (const status of ['shipped', 'cancelled', 'awaiting_payment'] as const) expect(delayDue(orderSnapshot({ status }), 72, PACIFIC)).toBeUndefined();
  });

  it('ends a ship-by day on the night clocks change: 25 hours on the fall-back Sunday, 23 on the spring-forward one', () => {
    expect(delayDue(orderSnapshot({ shipByDate: '2026-11-01' }), 72, PACIFIC)?.dueAt).toBe('2026-11-02T08:00:00.000Z');
    expect(delayDue(orderSnapshot({ shipByDate: '2026-03-08' }), 72, PACIFIC)?.dueAt).toBe('2026-03-09T07:00:00.000Z');
    expect(delayDue(orderSnapshot({ shipByDate: '2026-03-29' }), 72, 'Europe/London')?.dueAt).toBe('2026-03-29T23:00:00.000Z');
  });
});

describe('normaliseTrackingNumber', () => {
  it('ignores case, spaces and dashes', () => {
    expect(normaliseTrackingNumber(' 1z999 aa1-0123456784 ')).toBe('1Z999AA10123456784');
  });
});
