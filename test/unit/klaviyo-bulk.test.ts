import { BadInputError } from '../../lib/domain/errors.js';
import { bulkCreateEventsBody, bulkRequestProblem, planBulkRequests } from '../../lib/domain/klaviyo-bulk.js';
import { eventAttributes, profileAttributes, type KlaviyoEvent, type KlaviyoProfile } from '../../lib/domain/klaviyo-event.js';
import { validateKlaviyoBody } from '../../lib/local/klaviyo-schema.js';
import { historicalShippedEvent } from '../helpers/factories.js';

const JANE: KlaviyoProfile = {
  email: 'jane.doe@example.com',
  phoneNumber: '+14155550132',
  firstName: 'Jane',
  lastName: 'Doe',
  location: { city: 'San Francisco', region: 'CA', zip: '94105', country: 'US' },
};
const JOHN: KlaviyoProfile = { email: 'john.roe@example.com', firstName: 'John' };

const event = (n: number, overrides: Partial<KlaviyoEvent> = {}): KlaviyoEvent => historicalShippedEvent(n, { profile: JANE, ...overrides });

const events = (count: number, make: (n: number) => KlaviyoEvent = (n) => event(n)): KlaviyoEvent[] => Array.from({ length: count }, (_, i) => make(i + 1));
const bytesOf = (body: unknown): number => new TextEncoder().encode(JSON.stringify(body)).length;
const uniqueIdsOf = (chunk: KlaviyoEvent[]): string[] => chunk.map((e) => e.uniqueId);

describe('bulkCreateEventsBody', () => {
  it.each([
    ['a backfilled event', [event(1)]],
    ['a recent event without backfill', [event(1, { backfill: false, time: '2026-07-05T17:00:00.000Z' })]],
    ['an event for a profile with only a phone', [event(1, { profile: { phoneNumber: '+14155550132' } })]],
    ['an event without value', [event(1, { value: undefined })]],
    ['several events of one profile', events(3)],
    ['events of several profiles, backfilled or not', [event(1), event(2, { profile: JOHN, backfill: false }), event(3)]],
  ])("builds a body Klaviyo's bulk schema accepts for %s", (_case, input) => {
    // Prepare: the events, above

    // Act
    const errors = validateKlaviyoBody('bulk-create-events', bulkCreateEventsBody(input));

    // Assess
    expect(errors).toEqual([]);
  });

  it('puts the profile once per entry and each event with the attributes Create Event would send', () => {
    // Prepare
    const shipped = event(1);

    // Act
    const body = bulkCreateEventsBody([shipped]);

    // Assess
    expect(body).toEqual({
      data: {
        type: 'event-bulk-create-job',
        attributes: {
          'events-bulk-create': {
            data: [
              {
                type: 'event-bulk-create',
                attributes: {
                  profile: { data: { type: 'profile', attributes: profileAttributes(JANE) } },
                  events: { data: [{ type: 'event', attributes: eventAttributes(shipped) }] },
                },
              },
            ],
          },
        },
      },
    });
    expect(body.data.attributes['events-bulk-create'].data[0]?.attributes.events.data[0]?.attributes).toMatchObject({
      unique_id: 'ss:default:shipment:1:shipped',
      backfill: true,
      metric: { data: { type: 'metric', attributes: { name: 'Order Shipped' } } },
    });
  });

  it('groups events of the same profile into one entry, in the order each profile first appears', () => {
    // Prepare: Jane twice, once with her location's keys in another order; John in between
    const janeReordered: KlaviyoProfile = { ...JANE, location: { country: 'US', zip: '94105', region: 'CA', city: 'San Francisco' } };
    const input = [event(1), event(2, { profile: JOHN }), event(3, { profile: janeReordered }), event(4, { profile: JOHN })];

    // Act
    const entries = bulkCreateEventsBody(input).data.attributes['events-bulk-create'].data;

    // Assess
    expect(entries.map((e) => e.attributes.profile.data.attributes.email)).toEqual(['jane.doe@example.com', 'john.roe@example.com']);
    expect(entries.map((e) => e.attributes.events.data.map((d) => d.attributes.unique_id))).toEqual([
      ['ss:default:shipment:1:shipped', 'ss:default:shipment:3:shipped'],
      ['ss:default:shipment:2:shipped', 'ss:default:shipment:4:shipped'],
    ]);
  });

  it('keeps profiles with the same email but different attributes in separate entries', () => {
    // Prepare
    const input = [event(1), event(2, { profile: { ...JANE, firstName: 'Janet' } })];

    // Act
    const entries = bulkCreateEventsBody(input).data.attributes['events-bulk-create'].data;

    // Assess
    expect(entries).toHaveLength(2);
  });
});

describe('planBulkRequests', () => {
  it('splits 2,500 events into requests of 1,000, 1,000 and 500, in order', () => {
    // Prepare
    const input = events(2500, (n) => event(n, { profile: n % 2 === 0 ? JANE : JOHN }));

    // Act
    const chunks = planBulkRequests(input);

    // Assess
    expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 500]);
    expect(chunks.flat()).toEqual(input);
  });

  it('returns no request for no events', () => {
    // Act
    const chunks = planBulkRequests([]);

    // Assess
    expect(chunks).toEqual([]);
  });

  it('splits by size when the events are large, each request within the byte limit', () => {
    // Prepare: about 50 KB of properties per event, 100 events, against 1 MB requests
    const big = (n: number): KlaviyoEvent =>
      event(n, { properties: { OrderId: String(n), Notes: Array.from({ length: 10 }, (_, i) => `${i}-${'é'.repeat(2500)}`) } });
    const input = events(100, big);
    const limits = { maxEvents: 1000, maxBytes: 1024 * 1024 };

    // Act
    const chunks = planBulkRequests(input, limits);

    // Assess
    const sizes = chunks.map((c) => bytesOf(bulkCreateEventsBody(c)));
    expect(chunks.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(limits.maxBytes);
    // Greedy: each request but the last is too full to take the next one's first event.
    for (let i = 0; i < chunks.length - 1; i += 1) {
      expect(bytesOf(bulkCreateEventsBody([...(chunks[i] ?? []), chunks[i + 1]?.[0] as KlaviyoEvent]))).toBeGreaterThan(limits.maxBytes);
    }
    expect(chunks.flat()).toEqual(input);
  });

  it('fills a request up to the exact byte limit', () => {
    // Prepare: a limit exactly the size of the first three events' body
    const input = [event(1), event(2, { profile: JOHN }), event(3), event(4)];
    const maxBytes = bytesOf(bulkCreateEventsBody(input.slice(0, 3)));

    // Act
    const chunks = planBulkRequests(input, { maxEvents: 1000, maxBytes });

    // Assess
    expect(chunks.map(uniqueIdsOf)).toEqual([uniqueIdsOf(input.slice(0, 3)), uniqueIdsOf(input.slice(3))]);
  });

  it('never puts a unique_id twice in one request, sending a changed repeat in a later one', () => {
    // Prepare: event 2 comes again with another profile, event 3 comes three times with changed values
    const input = [event(1), event(2), event(3), event(2, { profile: JOHN }), event(4), event(3, { value: 1 }), event(3, { value: 2 }), event(5)];

    // Act
    const chunks = planBulkRequests(input);

    // Assess
    for (const chunk of chunks) expect(new Set(uniqueIdsOf(chunk)).size).toBe(chunk.length);
    expect(chunks.map((c) => c.map((e) => e.orderId))).toEqual([[1, 2, 3, 4, 5], [2, 3], [3]]);
    expect(chunks.flat()).toHaveLength(input.length);
  });

  it('drops an exact copy of an event instead of sending it again', () => {
    // Prepare
    const input = [event(1), event(2), structuredClone(event(1))];

    // Act
    const chunks = planBulkRequests(input);

    // Assess
    expect(chunks.map(uniqueIdsOf)).toEqual([uniqueIdsOf(input.slice(0, 2))]);
  });

  it('refuses an event too large for a request on its own, naming its unique_id', () => {
    // Prepare
    const huge = event(7, { properties: { Blob: 'x'.repeat(2048) } });

    // Act
    const plan = (): KlaviyoEvent[][] => planBulkRequests([event(1), huge], { maxEvents: 1000, maxBytes: 1024 });

    // Assess
    expect(plan).toThrow(BadInputError);
    expect(plan).toThrow(/ss:default:shipment:7:shipped/);
  });

  it("produces requests whose bodies all pass Klaviyo's bulk schema and limits", () => {
    // Prepare: a mix of profiles, backfill flags, sizes and a repeated unique_id
    const input = [
      ...events(1200, (n) => event(n, { profile: n % 3 === 0 ? JOHN : n % 3 === 1 ? JANE : { phoneNumber: '+14155550199' }, backfill: n % 2 === 0 })),
      event(5, { value: 99 }),
      ...events(30, (n) => event(5000 + n, { properties: { Notes: 'n'.repeat(20_000) } })),
    ];
    const limits = { maxEvents: 1000, maxBytes: 256 * 1024 };

    // Act
    const chunks = planBulkRequests(input, limits);

    // Assess
    expect(chunks.flat()).toHaveLength(input.length);
    for (const chunk of chunks) {
      expect(validateKlaviyoBody('bulk-create-events', bulkCreateEventsBody(chunk))).toEqual([]);
      expect(bulkRequestProblem(chunk, limits)).toBeUndefined();
    }
  });
});

describe('bulkRequestProblem', () => {
  it.each([
    ['more than 1,000 events', events(1001), /at most 1000 events; got 1001/],
    ['a unique_id twice', [event(1), event(2), event(1, { profile: JOHN })], /unique_id ss:default:shipment:1:shipped appears more than once/],
    ['a body over 5 MB', events(60, (n) => event(n, { properties: { Notes: 'x'.repeat(90_000) } })), /bytes; the limit is 5242880/],
  ])('names the problem of %s', (_case, input, problem) => {
    // Act
    const found = bulkRequestProblem(input);

    // Assess
    expect(found).toMatch(problem);
  });

  it('finds none in 1,000 distinct events', () => {
    // Act
    const found = bulkRequestProblem(events(1000));

    // Assess
    expect(found).toBeUndefined();
  });
});
