import { validateKlaviyoResponse } from '../../lib/local/klaviyo-schema.js';
import type { KlaviyoResponseEndpoint } from '../../lib/local/klaviyo-schema.js';
import { KlaviyoSimulator } from '../../lib/local/simulators/klaviyo-simulator.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- bodies are read and mutated freely per case

const KEY = 'pk_FAKE_simulator_key';
const OTHER_KEY = 'pk_FAKE_simulator_other_key';
const FLOWS = '/api/flows';
const TEMPLATES = '/api/templates';
const METRICS = '/api/metrics';
const START = '2026-11-25T12:00:00.250Z';

interface RequestOptions {
  key?: string;
  revision?: string | null;
  query?: Record<string, string>;
}

async function send(simulator: KlaviyoSimulator, method: 'GET' | 'POST', path: string, body?: unknown, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/vnd.api+json', authorization: `Klaviyo-API-Key ${options.key ?? KEY}` };
  if (options.revision !== null) headers.revision = options.revision ?? '2026-07-15';
  if (body !== undefined) headers['content-type'] = 'application/vnd.api+json';
  const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
  return fetch(`${simulator.baseUrl}${path}${query}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** The body of a 2xx answer, held to Klaviyo's response schema on the way. */
async function validBody(response: Response, endpoint: KlaviyoResponseEndpoint): Promise<Json> {
  const body = (await response.json()) as Json;
  expect(validateKlaviyoResponse(endpoint, body)).toEqual([]);
  return body;
}

async function errorsOf(response: Response): Promise<Json[]> {
  return ((await response.json()) as { errors: Json[] }).errors;
}

const createEventBody = (metric: string, uniqueId = `${metric}:1`): Json => ({
  data: {
    type: 'event',
    attributes: {
      properties: { OrderId: '123456' },
      unique_id: uniqueId,
      metric: { data: { type: 'metric', attributes: { name: metric } } },
      profile: { data: { type: 'profile', attributes: { email: 'sarah.mason@example.com' } } },
    },
  },
});

const bulkBody = (metrics: string[]): Json => ({
  data: {
    type: 'event-bulk-create-job',
    attributes: {
      'events-bulk-create': {
        data: [
          {
            type: 'event-bulk-create',
            attributes: {
              profile: { data: { type: 'profile', attributes: { email: 'buyer@example.com' } } },
              events: {
                data: metrics.map((metric, i) => ({
                  type: 'event',
                  attributes: { properties: {}, unique_id: `bulk-${i}`, metric: { data: { type: 'metric', attributes: { name: metric } } } },
                })),
              },
            },
          },
        ],
      },
    },
  },
});

const templateBody = (attributes: Json = {}): Json => ({
  data: {
    type: 'template',
    attributes: { name: 'Shipping confirmation', editor_type: 'CODE', html: '<p>{{ event.OrderId }}</p>', text: 'Shipped', ...attributes },
  },
});

const flowBody = (metricId: string, name = 'Order Shipped – confirmation', templateId?: string): Json => ({
  data: {
    type: 'flow',
    attributes: {
      name,
      definition: {
        triggers: [{ type: 'metric', id: metricId }],
        profile_filter: null,
        entry_action_id: 'wait',
        actions: [
          { temporary_id: 'wait', type: 'time-delay', links: { next: 'email' }, data: { unit: 'hours', value: 1 } },
          {
            temporary_id: 'email',
            type: 'send-email',
            links: { next: null },
            data: {
              status: 'draft',
              message: {
                from_email: 'shop@example.com',
                from_label: 'Shop',
                subject_line: 'Your order shipped',
                ...(templateId ? { template_id: templateId } : {}),
              },
            },
          },
        ],
      },
    },
  },
});

describe('KlaviyoSimulator: metrics, templates and flows (flows install)', () => {
  let simulator: KlaviyoSimulator;
  let nowMs: number;

  beforeEach(async () => {
    nowMs = Date.parse(START);
    simulator = await KlaviyoSimulator.start({ privateKeys: [KEY, OTHER_KEY], now: () => new Date(nowMs) });
  });

  afterEach(async () => {
    await simulator.close();
  });

  describe('Get Metrics', () => {
    it('has no metric before any event, then one per distinct metric name of the accepted events', async () => {
      // Act
      const before = await send(simulator, 'GET', METRICS);
      const refused = await send(simulator, 'POST', '/api/events', { data: { type: 'event' } });
      const afterRefused = await send(simulator, 'GET', METRICS);
      await send(simulator, 'POST', '/api/events', createEventBody('Order Shipped'));
      nowMs += 5000;
      await send(simulator, 'POST', '/api/event-bulk-create-jobs', bulkBody(['Order Delivered', 'Order Shipped']));
      const after = await send(simulator, 'GET', METRICS);

      // Assess
      expect((await validBody(before, 'get-metrics')).data).toEqual([]);
      expect(refused.status).toBe(400);
      expect((await validBody(afterRefused, 'get-metrics')).data).toEqual([]);
      expect(after.status).toBe(200);
      const body = await validBody(after, 'get-metrics');
      expect(body.data.map((metric: Json) => metric.attributes.name)).toEqual(['Order Shipped', 'Order Delivered']);
      expect(body.data[0]).toEqual({
        type: 'metric',
        id: expect.stringMatching(/^[A-Za-z0-9]{6}$/),
        attributes: {
          name: 'Order Shipped',
          created: '2026-11-25T12:00:00+00:00',
          updated: '2026-11-25T12:00:00+00:00',
          integration: expect.objectContaining({ name: 'API', category: 'API' }),
        },
        relationships: { 'flow-triggers': { links: { self: expect.any(String), related: expect.any(String) } } },
        links: { self: `${simulator.baseUrl}/api/metrics/${body.data[0].id}/` },
      });
      expect(body.data[1].attributes.created).toBe('2026-11-25T12:00:05+00:00');
      expect(body.links).toEqual({ self: `${simulator.baseUrl}/api/metrics/` });
      expect(simulator.metrics().map((metric) => [metric.id, metric.name])).toEqual(body.data.map((metric: Json) => [metric.id, metric.attributes.name]));
    });

    it('gives a metric the same id for the same name, in this simulator and the next', async () => {
      // Prepare
      const other = await KlaviyoSimulator.start({ privateKeys: [KEY] });

      // Act
      const first = simulator.createMetric('Order Shipped');
      const again = simulator.createMetric('Order Shipped');
      const elsewhere = other.createMetric('Order Shipped');
      const delivered = simulator.createMetric('Order Delivered');
      await other.close();

      // Assess
      expect(again.id).toBe(first.id);
      expect(elsewhere.id).toBe(first.id);
      expect(delivered.id).not.toBe(first.id);
      expect(simulator.metrics()).toHaveLength(2);
    });

    it('filters on integration.name and refuses a field the spec does not list', async () => {
      // Prepare
      simulator.createMetric('Order Shipped');

      // Act
      const api = await send(simulator, 'GET', METRICS, undefined, { query: { filter: 'equals(integration.name,"API")' } });
      const shopify = await send(simulator, 'GET', METRICS, undefined, { query: { filter: "equals(integration.name,'Shopify')" } });
      const byName = await send(simulator, 'GET', METRICS, undefined, { query: { filter: 'equals(name,"Order Shipped")' } });
      const malformed = await send(simulator, 'GET', METRICS, undefined, { query: { filter: 'equals(integration.name,"API"' } });

      // Assess
      expect((await validBody(api, 'get-metrics')).data).toHaveLength(1);
      expect((await validBody(shopify, 'get-metrics')).data).toEqual([]);
      expect(byName.status).toBe(400);
      expect((await errorsOf(byName))[0]).toEqual(expect.objectContaining({ code: 'invalid', source: { parameter: 'filter' } }));
      expect(malformed.status).toBe(400);
      expect((await errorsOf(malformed))[0]?.source).toEqual({ parameter: 'filter' });
    });

    it('pages 200 metrics at a time with page[cursor] links', async () => {
      // Prepare
      for (let i = 0; i < 201; i += 1) simulator.createMetric(`Metric ${i}`);

      // Act
      const first = await validBody(await send(simulator, 'GET', METRICS), 'get-metrics');
      const next = new URL(first.links.next as string);
      const second = await validBody(await send(simulator, 'GET', `${next.pathname}${next.search}`), 'get-metrics');
      const bad = await send(simulator, 'GET', METRICS, undefined, { query: { 'page[cursor]': 'nonsense' } });

      // Assess
      expect(first.data).toHaveLength(200);
      expect(first.links.prev).toBeUndefined();
      expect(second.data.map((metric: Json) => metric.attributes.name)).toEqual(['Metric 200']);
      expect(second.links.next).toBeUndefined();
      expect(second.links.prev).toEqual(expect.stringContaining('page%5Bcursor%5D='));
      expect(bad.status).toBe(400);
      expect((await errorsOf(bad))[0]?.source).toEqual({ parameter: 'page[cursor]' });
    });
  });

  describe('Create Template', () => {
    it('answers 201 with the template and stores it', async () => {
      // Act
      const response = await send(simulator, 'POST', TEMPLATES, templateBody());

      // Assess
      expect(response.status).toBe(201);
      const body = await validBody(response, 'create-template');
      expect(body.data).toEqual({
        type: 'template',
        id: expect.stringMatching(/^[A-Za-z0-9]{6}$/),
        attributes: {
          name: 'Shipping confirmation',
          editor_type: 'CODE',
          html: '<p>{{ event.OrderId }}</p>',
          text: 'Shipped',
          amp: null,
          created: '2026-11-25T12:00:00+00:00',
          updated: '2026-11-25T12:00:00+00:00',
        },
        links: { self: `${simulator.baseUrl}/api/templates/${body.data.id}/` },
      });
      expect(simulator.templates()).toEqual([
        {
          id: body.data.id,
          name: 'Shipping confirmation',
          editorType: 'CODE',
          html: '<p>{{ event.OrderId }}</p>',
          text: 'Shipped',
          amp: null,
          definition: null,
          created: '2026-11-25T12:00:00+00:00',
          updated: '2026-11-25T12:00:00+00:00',
        },
      ]);
    });

    it.each<[string, Json, string]>([
      ['has no name (schema)', { data: { type: 'template', attributes: { editor_type: 'CODE', html: '<p/>' } } }, '/data/attributes/name'],
      ['has a wrong type (schema)', { data: { type: 'flow', attributes: { name: 'x', editor_type: 'CODE', html: '<p/>' } } }, '/data/type'],
      ['has an editor type Klaviyo does not know', templateBody({ editor_type: 'WYSIWYG' }), '/data/attributes/editor_type'],
      ['is CODE without html', templateBody({ html: null }), '/data/attributes/html'],
    ])('answers 400 with a pointer when the body %s', async (_case, body, pointer) => {
      // Act
      const response = await send(simulator, 'POST', TEMPLATES, body);

      // Assess
      expect(response.status).toBe(400);
      const errors = await errorsOf(response);
      expect(errors.map((error) => error.source.pointer)).toContain(pointer);
      expect(errors[0]).toEqual(expect.objectContaining({ status: 400, code: 'invalid', title: 'Invalid input.' }));
      expect(simulator.templates()).toEqual([]);
    });
  });

  describe('Create Flow and Get Flows', () => {
    it('answers 400 pointing at a metric trigger whose metric does not exist, and stores nothing', async () => {
      // Act
      const response = await send(simulator, 'POST', FLOWS, flowBody('NoSuch'));

      // Assess
      expect(response.status).toBe(400);
      expect(await errorsOf(response)).toEqual([
        expect.objectContaining({
          code: 'invalid',
          detail: "Metric 'NoSuch' does not exist.",
          source: { pointer: '/data/attributes/definition/triggers/0/id' },
        }),
      ]);
      expect(simulator.flows()).toEqual([]);
    });

    it('answers 400 pointing at a template_id that does not exist, and at a definition the schema refuses', async () => {
      // Prepare
      const metric = simulator.createMetric('Order Shipped');
      const nameless = flowBody(metric.id);
      delete nameless.data.attributes.name;

      // Act
      const missingTemplate = await send(simulator, 'POST', FLOWS, flowBody(metric.id, 'Shipped', 'NoTmpl'));
      nowMs += 1000; // Create Flow allows one a second
      const schema = await send(simulator, 'POST', FLOWS, nameless);

      // Assess
      expect(missingTemplate.status).toBe(400);
      expect((await errorsOf(missingTemplate)).map((error) => error.source.pointer)).toEqual([
        '/data/attributes/definition/actions/1/data/message/template_id',
      ]);
      expect(schema.status).toBe(400);
      expect((await errorsOf(schema)).map((error) => error.source.pointer)).toEqual(['/data/attributes/name']);
      expect(simulator.flows()).toEqual([]);
    });

    it('answers 400 to an action wired to nothing and to an entry action that is not one of the actions', async () => {
      // Prepare
      const metric = simulator.createMetric('Order Shipped');
      const body = flowBody(metric.id);
      body.data.attributes.definition.entry_action_id = 'nowhere';
      body.data.attributes.definition.actions[0].links.next = 'missing';

      // Act
      const response = await send(simulator, 'POST', FLOWS, body);

      // Assess
      expect(response.status).toBe(400);
      expect((await errorsOf(response)).map((error) => error.source.pointer)).toEqual([
        '/data/attributes/definition/actions/0/links/next',
        '/data/attributes/definition/entry_action_id',
      ]);
    });

    it('creates a draft flow wired to the metric and template, and lists it under a name filter', async () => {
      // Prepare
      await send(simulator, 'POST', '/api/events', createEventBody('Order Shipped'));
      const [metric] = simulator.metrics();
      const template = await validBody(await send(simulator, 'POST', TEMPLATES, templateBody()), 'create-template');

      // Act
      const created = await send(simulator, 'POST', FLOWS, flowBody(metric!.id, 'Order Shipped – confirmation', template.data.id));
      nowMs += 2000;
      await send(simulator, 'POST', FLOWS, flowBody(metric!.id, 'Order Delivered – review request'));
      const equals = await send(simulator, 'GET', FLOWS, undefined, { query: { filter: 'equals(name,"Order Shipped – confirmation")' } });
      const contains = await send(simulator, 'GET', FLOWS, undefined, { query: { filter: "contains(name,'Delivered')" } });
      const all = await send(simulator, 'GET', FLOWS);

      // Assess
      expect(created.status).toBe(201);
      const body = await validBody(created, 'create-flow');
      expect(body.data.attributes).toEqual(
        expect.objectContaining({ name: 'Order Shipped – confirmation', status: 'draft', archived: false, trigger_type: 'Metric' }),
      );
      const definition = body.data.attributes.definition;
      const [wait, email] = definition.actions as Json[];
      expect(definition.triggers).toEqual([{ type: 'metric', id: metric!.id }]);
      expect(definition.entry_action_id).toBe(wait!.id);
      expect(wait).toEqual({ id: expect.stringMatching(/^\d+$/), type: 'time-delay', links: { next: email!.id }, data: { unit: 'hours', value: 1 } });
      expect(email!.temporary_id).toBeUndefined();
      expect(email!.data.message.template_id).toBe(template.data.id);
      expect(body.data.relationships['flow-actions'].data).toEqual([
        { type: 'flow-action', id: wait!.id },
        { type: 'flow-action', id: email!.id },
      ]);
      const listed = await validBody(equals, 'get-flows');
      expect(listed.data).toEqual([
        {
          type: 'flow',
          id: body.data.id,
          attributes: {
            name: 'Order Shipped – confirmation',
            status: 'draft',
            archived: false,
            created: '2026-11-25T12:00:00+00:00',
            updated: '2026-11-25T12:00:00+00:00',
            trigger_type: 'Metric',
          },
          relationships: {
            'flow-actions': { links: expect.objectContaining({ related: `${simulator.baseUrl}/api/flows/${body.data.id}/flow-actions/` }) },
            tags: { links: expect.any(Object) },
          },
          links: { self: `${simulator.baseUrl}/api/flows/${body.data.id}/` },
        },
      ]);
      expect((await validBody(contains, 'get-flows')).data.map((flow: Json) => flow.attributes.name)).toEqual(['Order Delivered – review request']);
      expect((await validBody(all, 'get-flows')).data).toHaveLength(2);
      expect(simulator.flows().map((flow) => [flow.id, flow.status, flow.triggerType])).toEqual([
        [body.data.id, 'draft', 'Metric'],
        [expect.any(String), 'draft', 'Metric'],
      ]);
    });

    it('shows the status a merchant sets and the edits a merchant makes, with updated moved on', async () => {
      // Prepare
      const metric = simulator.createMetric('Order Shipped');
      const created = await validBody(await send(simulator, 'POST', FLOWS, flowBody(metric.id, 'Shipped')), 'create-flow');
      const id = created.data.id as string;

      // Act
      nowMs += 60_000;
      simulator.setFlowStatus(id, 'live');
      const live = await send(simulator, 'GET', FLOWS, undefined, { query: { filter: 'equals(status,"live")' } });
      nowMs += 60_000;
      const edited = simulator.editFlow(id, { name: 'Shipped (edited)' });
      const renamed = await send(simulator, 'GET', FLOWS, undefined, { query: { filter: 'equals(name,"Shipped (edited)"),equals(status,"live")' } });
      const since = await send(simulator, 'GET', FLOWS, undefined, { query: { filter: 'greater-than(updated,2026-11-25T12:01:30Z)' } });

      // Assess
      expect((await validBody(live, 'get-flows')).data[0].attributes).toEqual(
        expect.objectContaining({ name: 'Shipped', status: 'live', created: '2026-11-25T12:00:00+00:00', updated: '2026-11-25T12:01:00+00:00' }),
      );
      expect(edited).toEqual(expect.objectContaining({ name: 'Shipped (edited)', status: 'live', updated: '2026-11-25T12:02:00+00:00' }));
      expect((await validBody(renamed, 'get-flows')).data.map((flow: Json) => flow.id)).toEqual([id]);
      expect((await validBody(since, 'get-flows')).data.map((flow: Json) => flow.id)).toEqual([id]);
      expect(() => simulator.setFlowStatus('NoSuch', 'live')).toThrow(/NoSuch/);
    });

    it('pages flows with page[size] and page[cursor], and refuses a page[size] over 50', async () => {
      // Prepare
      const metric = simulator.createMetric('Order Shipped');
      for (const name of ['A', 'B', 'C']) {
        await send(simulator, 'POST', FLOWS, flowBody(metric.id, name));
        nowMs += 1000;
      }

      // Act
      const first = await validBody(await send(simulator, 'GET', FLOWS, undefined, { query: { 'page[size]': '2', sort: '-name' } }), 'get-flows');
      const next = new URL(first.links.next as string);
      const second = await validBody(await send(simulator, 'GET', `${next.pathname}${next.search}`), 'get-flows');
      const tooBig = await send(simulator, 'GET', FLOWS, undefined, { query: { 'page[size]': '51' } });

      // Assess
      expect(first.data.map((flow: Json) => flow.attributes.name)).toEqual(['C', 'B']);
      expect(second.data.map((flow: Json) => flow.attributes.name)).toEqual(['A']);
      expect(second.links.next).toBeUndefined();
      expect(tooBig.status).toBe(400);
      expect((await errorsOf(tooBig))[0]?.source).toEqual({ parameter: 'page[size]' });
    });
  });

  describe('scopes and rate limits', () => {
    it.each<[string, 'GET' | 'POST', string, string]>([
      ['Create Flow', 'POST', FLOWS, 'flows:write'],
      ['Create Template', 'POST', TEMPLATES, 'templates:write'],
      ['Get Metrics', 'GET', METRICS, 'metrics:read'],
      ['Get Flows', 'GET', FLOWS, 'flows:read'],
    ])('answers 403 naming the scope when %s is called by a key without it', async (_route, method, path, scope) => {
      // Prepare
      simulator.restrictScopes(KEY, ['events:write']);
      const metric = simulator.createMetric('Order Shipped');
      const body = method === 'GET' ? undefined : path === FLOWS ? flowBody(metric.id) : templateBody();

      // Act
      const refused = await send(simulator, method, path, body);
      const otherKey = await send(simulator, method, path, body, { key: OTHER_KEY });

      // Assess
      expect(refused.status).toBe(403);
      expect(await errorsOf(refused)).toEqual([
        expect.objectContaining({ code: 'permission_denied', detail: `This API key is missing required scopes: ${scope}.` }),
      ]);
      expect(otherKey.status).toBeLessThan(300);
    });

    it('lets a write scope read too, and refuses events to a key restricted to flows', async () => {
      // Prepare
      simulator.restrictScopes(KEY, ['flows:write']);

      // Act
      const flows = await send(simulator, 'GET', FLOWS);
      const event = await send(simulator, 'POST', '/api/events', createEventBody('Order Shipped'));

      // Assess
      expect(flows.status).toBe(200);
      expect(event.status).toBe(403);
      expect((await errorsOf(event))[0]?.detail).toBe('This API key is missing required scopes: events:write.');
    });

    it('answers 429 with Retry-After to a second Create Flow in the same second', async () => {
      // Prepare
      const metric = simulator.createMetric('Order Shipped');

      // Act
      const first = await send(simulator, 'POST', FLOWS, flowBody(metric.id, 'First'));
      const second = await send(simulator, 'POST', FLOWS, flowBody(metric.id, 'Second'));
      nowMs += 1000;
      const nextSecond = await send(simulator, 'POST', FLOWS, flowBody(metric.id, 'Second'));

      // Assess
      expect(first.status).toBe(201);
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBe('1');
      expect((await errorsOf(second))[0]?.code).toBe('throttled');
      expect(nextSecond.status).toBe(201);
      expect(simulator.flows().map((flow) => flow.name)).toEqual(['First', 'Second']);
    });

    it('answers 429 to the 101st Create Flow of a UTC day, until the day is over', async () => {
      // Prepare: one every 4 s stays within 1/s and 15/min.
      const metric = simulator.createMetric('Order Shipped');
      const statuses: number[] = [];
      for (let i = 0; i < 100; i += 1) {
        statuses.push((await send(simulator, 'POST', FLOWS, flowBody(metric.id, `Flow ${i}`))).status);
        nowMs += 4000;
      }

      // Act
      const over = await send(simulator, 'POST', FLOWS, flowBody(metric.id, 'Flow 100'));
      const untilMidnightMs = Date.parse('2026-11-26T00:00:00Z') - nowMs;
      nowMs += untilMidnightMs;
      const nextDay = await send(simulator, 'POST', FLOWS, flowBody(metric.id, 'Flow 100'));

      // Assess
      expect(statuses).toEqual(Array.from({ length: 100 }, () => 201));
      expect(over.status).toBe(429);
      expect(over.headers.get('retry-after')).toBe(String(Math.ceil(untilMidnightMs / 1000)));
      expect(nextDay.status).toBe(201);
      expect(simulator.flows()).toHaveLength(101);
    });

    it('gives Create Flow a steady limit of 15 a minute, and takes new limits from setRateLimits', async () => {
      // Prepare
      const metric = simulator.createMetric('Order Shipped');
      for (let i = 0; i < 15; i += 1) {
        await send(simulator, 'POST', FLOWS, flowBody(metric.id, `Flow ${i}`));
        nowMs += 1000;
      }

      // Act
      const steady = await send(simulator, 'POST', FLOWS, flowBody(metric.id, 'Flow 15'));
      simulator.setRateLimits({ burstPerSecond: 5, steadyPerMinute: 100 }, 'create-flow');
      const raised = await send(simulator, 'POST', FLOWS, flowBody(metric.id, 'Flow 15'));
      simulator.setRateLimits({ burstPerSecond: 1, steadyPerMinute: 1 }, 'get-metrics');
      await send(simulator, 'GET', METRICS);
      const metrics = await send(simulator, 'GET', METRICS);

      // Assess
      expect(steady.status).toBe(429);
      expect(steady.headers.get('retry-after')).toBe('45');
      expect(raised.status).toBe(201);
      expect(metrics.status).toBe(429);
    });
  });

  it('holds every success body of the four routes to the response schemas, and checks key and revision first', async () => {
    // Prepare
    await send(simulator, 'POST', '/api/events', createEventBody('Order Shipped'));
    const [metric] = simulator.metrics();

    // Act
    const template = await send(simulator, 'POST', TEMPLATES, templateBody({ editor_type: 'USER_DRAGGABLE' }), {
      query: { 'additional-fields[template]': 'definition' },
    });
    const flow = await send(simulator, 'POST', FLOWS, flowBody(metric!.id));
    const flows = await send(simulator, 'GET', FLOWS, undefined, { query: { 'fields[flow]': 'name,status' } });
    const metrics = await send(simulator, 'GET', METRICS, undefined, { query: { 'fields[metric]': 'name' } });
    const unknownKey = await send(simulator, 'GET', METRICS, undefined, { key: 'pk_FAKE_unknown' });
    const noRevision = await send(simulator, 'GET', FLOWS, undefined, { revision: null });

    // Assess
    expect([template.status, flow.status, flows.status, metrics.status]).toEqual([201, 201, 200, 200]);
    expect((await validBody(template, 'create-template')).data.attributes.definition).toBeNull();
    await validBody(flow, 'create-flow');
    expect((await validBody(flows, 'get-flows')).data[0].attributes).toEqual({ name: 'Order Shipped – confirmation', status: 'draft' });
    expect((await validBody(metrics, 'get-metrics')).data[0].attributes).toEqual({ name: 'Order Shipped' });
    expect(unknownKey.status).toBe(401);
    expect(noRevision.status).toBe(400);
    expect((await errorsOf(noRevision))[0]?.source).toEqual({ parameter: 'revision' });
  });
});
