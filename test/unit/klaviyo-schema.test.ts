import { readFileSync } from 'node:fs';
import { validateKlaviyoBody, validateKlaviyoResponse } from '../../lib/local/klaviyo-schema.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- bodies are mutated freely per case

const profile = (): Json => ({
  data: {
    type: 'profile',
    attributes: {
      email: 'sarah.mason@example.com',
      phone_number: '+15005550006',
      external_id: 'ss-customer-42',
      first_name: 'Sarah',
      location: { city: 'New York', region: 'NY', zip: '10017', country: 'United States', latitude: 40.7128, longitude: '-74.0060' },
      properties: { ShipStationCustomerId: 42 },
    },
  },
});

const eventAttributes = (): Json => ({
  properties: { OrderId: '123456', OrderNumber: 'A-1001', TrackingNumber: '1Z999AA10123456784', Carrier: 'ups', ItemNames: ['Blue Mug'] },
  time: '2026-11-20T14:03:00+00:00',
  value: 29.98,
  value_currency: 'USD',
  unique_id: 'ss-shipment-987654:shipped',
  backfill: true,
  metric: { data: { type: 'metric', attributes: { name: 'Order Shipped' } } },
});

const createEventBody = (): Json => ({ data: { type: 'event', attributes: { ...eventAttributes(), profile: profile() } } });

const bulkBody = (): Json => ({
  data: {
    type: 'event-bulk-create-job',
    attributes: {
      'events-bulk-create': {
        data: [
          {
            type: 'event-bulk-create',
            attributes: { backfill: true, profile: profile(), events: { data: [{ type: 'event', attributes: eventAttributes() }] } },
          },
        ],
      },
    },
  },
});

describe('validateKlaviyoBody', () => {
  describe('create-event', () => {
    it('accepts a realistic Order Shipped body, backfill included', () => {
      // Prepare
      const body = createEventBody();

      // Act
      const errors = validateKlaviyoBody('create-event', body);

      // Assess
      expect(errors).toEqual([]);
    });

    it('accepts null for the nullable attributes, including those declared with $ref and oneOf', () => {
      // Prepare
      const body = createEventBody();
      Object.assign(body.data.attributes, { time: null, value: null, unique_id: null, backfill: null });
      Object.assign(body.data.attributes.profile.data.attributes, { phone_number: null, location: null, meta: { patch_properties: { unset: null } } });

      // Act
      const errors = validateKlaviyoBody('create-event', body);

      // Assess
      expect(errors).toEqual([]);
    });

    it.each<[string, (body: Json) => void, string]>([
      ['data.type is missing', (body) => delete body.data.type, '/data/type is required'],
      ['data.type is not "event"', (body) => (body.data.type = 'events'), '/data/type must be equal to one of the allowed values ("event")'],
      [
        'the metric name is missing',
        (body) => delete body.data.attributes.metric.data.attributes.name,
        '/data/attributes/metric/data/attributes/name is required',
      ],
      [
        'the metric type is wrong',
        (body) => (body.data.attributes.metric.data.type = 'event'),
        '/data/attributes/metric/data/type must be equal to one of the allowed values ("metric")',
      ],
      ['time is not a date-time', (body) => (body.data.attributes.time = '20/11/2026 14:03'), '/data/attributes/time must match format "date-time"'],
      ['the profile has no attributes', (body) => delete body.data.attributes.profile.data.attributes, '/data/attributes/profile/data/attributes is required'],
      ['the profile is missing', (body) => delete body.data.attributes.profile, '/data/attributes/profile is required'],
      ['properties are missing', (body) => delete body.data.attributes.properties, '/data/attributes/properties is required'],
      ['value is a string', (body) => (body.data.attributes.value = '29.98'), '/data/attributes/value must be number'],
      ['backfill is a string', (body) => (body.data.attributes.backfill = 'yes'), '/data/attributes/backfill must be boolean'],
      [
        'the location is a string',
        (body) => (body.data.attributes.profile.data.attributes.location = 'NYC'),
        '/data/attributes/profile/data/attributes/location must be object',
      ],
    ])('rejects a body where %s', (_case, mutate, expected) => {
      // Prepare
      const body = createEventBody();
      mutate(body);

      // Act
      const errors = validateKlaviyoBody('create-event', body);

      // Assess
      expect(errors).toContain(expected);
    });

    it('rejects something that is not a JSON:API document at all', () => {
      // Act
      const errors = [validateKlaviyoBody('create-event', null), validateKlaviyoBody('create-event', 'event'), validateKlaviyoBody('create-event', {})];

      // Assess
      expect(errors).toEqual([['/ must be object'], ['/ must be object'], ['/data is required']]);
    });
  });

  describe('bulk-create-events', () => {
    it('accepts a realistic bulk body with backfill on the group and the event', () => {
      // Prepare
      const body = bulkBody();

      // Act
      const errors = validateKlaviyoBody('bulk-create-events', body);

      // Assess
      expect(errors).toEqual([]);
    });

    it('rejects a single Create Event body sent to the bulk endpoint', () => {
      // Act
      const errors = validateKlaviyoBody('bulk-create-events', createEventBody());

      // Assess
      expect(errors).toEqual(expect.arrayContaining(['/data/type must be equal to one of the allowed values ("event-bulk-create-job")']));
    });

    it.each<[string, (body: Json) => void, string]>([
      ['the job type is missing', (body) => delete body.data.type, '/data/type is required'],
      [
        'the entry type is wrong',
        (body) => (body.data.attributes['events-bulk-create'].data[0].type = 'event'),
        '/data/attributes/events-bulk-create/data/0/type must be equal to one of the allowed values ("event-bulk-create")',
      ],
      [
        'an event has no metric name',
        (body) => delete body.data.attributes['events-bulk-create'].data[0].attributes.events.data[0].attributes.metric.data.attributes.name,
        '/data/attributes/events-bulk-create/data/0/attributes/events/data/0/attributes/metric/data/attributes/name is required',
      ],
      [
        'an event time is not a date-time',
        (body) => (body.data.attributes['events-bulk-create'].data[0].attributes.events.data[0].attributes.time = 'yesterday'),
        '/data/attributes/events-bulk-create/data/0/attributes/events/data/0/attributes/time must match format "date-time"',
      ],
      [
        'the group has no profile',
        (body) => delete body.data.attributes['events-bulk-create'].data[0].attributes.profile,
        '/data/attributes/events-bulk-create/data/0/attributes/profile is required',
      ],
      [
        'the profile has no attributes',
        (body) => delete body.data.attributes['events-bulk-create'].data[0].attributes.profile.data.attributes,
        '/data/attributes/events-bulk-create/data/0/attributes/profile/data/attributes is required',
      ],
      [
        'events is not a list',
        (body) => (body.data.attributes['events-bulk-create'].data[0].attributes.events.data = {}),
        '/data/attributes/events-bulk-create/data/0/attributes/events/data must be array',
      ],
    ])('rejects a body where %s', (_case, mutate, expected) => {
      // Prepare
      const body = bulkBody();
      mutate(body);

      // Act
      const errors = validateKlaviyoBody('bulk-create-events', body);

      // Assess
      expect(errors).toContain(expected);
    });
  });

  describe('schema files', () => {
    it.each(['create-event', 'bulk-create-events', 'create-flow', 'create-template', 'get-metrics', 'get-flows'])(
      '%s carries its source and no prose',
      (name) => {
        // Prepare
        const text = readFileSync(new URL(`../../lib/local/klaviyo-schemas/${name}.schema.json`, import.meta.url), 'utf8');

        // Act
        const file = JSON.parse(text) as { 'x-source': Record<string, string>; components: { schemas: object } };

        // Assess
        expect(file['x-source']).toEqual(
          expect.objectContaining({
            url: expect.stringMatching(/^https:\/\/github\.com\/klaviyo\/openapi\//),
            revision: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
          }),
        );
        expect(text).not.toMatch(/"(description|example|summary)": "/);
      },
    );
  });
});

describe('the flows, templates and metrics schemas (for flows install)', () => {
  it('accepts a minimal Create Template body and names what a wrong one lacks', () => {
    // Prepare
    const template = { data: { type: 'template', attributes: { name: 'Shipping confirmation', editor_type: 'CODE', html: '<p>{{ event.OrderNumber }}</p>' } } };

    // Act
    const valid = validateKlaviyoBody('create-template', template);
    const nameless = validateKlaviyoBody('create-template', { data: { type: 'template', attributes: { editor_type: 'CODE' } } });

    // Assess
    expect(valid).toEqual([]);
    expect(nameless).toEqual(['/data/attributes/name is required']);
  });

  it('requires a flow definition in a Create Flow body', () => {
    // Act
    const errors = validateKlaviyoBody('create-flow', { data: { type: 'flow', attributes: { name: 'Shipping confirmation' } } });

    // Assess
    expect(errors).toContain('/data/attributes/definition is required');
  });

  it('holds the simulator-side answers to the response schemas (Get Metrics, Get Flows, Create Flow, Create Template)', () => {
    // Act
    const metrics = validateKlaviyoResponse('get-metrics', { data: [], links: { self: 'https://a.klaviyo.com/api/metrics' } });
    const flows = validateKlaviyoResponse('get-flows', { data: [], links: { self: 'not a url' } });
    const created = validateKlaviyoResponse('create-flow', { data: {} });

    // Assess
    expect(metrics).toEqual([]);
    expect(flows).toEqual(['/links/self must match format "uri"']);
    expect(created).toEqual(expect.arrayContaining(['/data/type is required', '/data/id is required', '/data/attributes is required']));
  });
});
