// The Klaviyo account behind the simulator's flow routes (revision 2026-07-15), for `flows install`: metrics born of
// accepted events, templates, and flows wired to those metrics. Behaviour follows Klaviyo's OpenAPI documents for
// Create Flow, Create Template, Get Metrics and Get Flows; where they are silent the choice is said in a comment.
import { createHash } from 'node:crypto';
import type { KlaviyoRateLimits } from './klaviyo-simulator.js';

/** The account routes beyond events: Create Flow, Create Template, Get Metrics and Get Flows. */
export type KlaviyoAccountEndpoint = 'create-flow' | 'create-template' | 'get-metrics' | 'get-flows';

/** A flow's status: created as a draft; the merchant turns it live (or manual) in Klaviyo. */
export type FlowStatus = 'draft' | 'manual' | 'live';

/** What a flow's trigger is, as Klaviyo labels it (the `trigger_type` enum of the response schemas). */
export type FlowTriggerType = 'Added to List' | 'Date Based' | 'Low Inventory' | 'Metric' | 'Price Drop' | 'Unconfigured';

/** A JSON object as parsed from a body. */
export type JsonObject = Record<string, unknown>;

/** The integration a metric belongs to: every metric of the simulator comes from the API (Create Event). */
export interface MetricIntegration {
  object: 'integration';
  id: string;
  key: string;
  name: string;
  category: string;
}

/** A metric Klaviyo made when it accepted the first event of that name. */
export interface KlaviyoMetric {
  id: string;
  name: string;
  integration: MetricIntegration;
  created: string;
  updated: string;
}

/** A template created through Create Template. */
export interface KlaviyoTemplate {
  id: string;
  name: string;
  /** CODE, USER_DRAGGABLE or SYSTEM_DRAGGABLE. */
  editorType: string;
  /** The HTML as sent ('' for a SYSTEM_DRAGGABLE template: the simulator does not render definitions). */
  html: string;
  text: string | null;
  amp: string | null;
  /** The drag-and-drop definition of a SYSTEM_DRAGGABLE template. */
  definition: JsonObject | null;
  created: string;
  updated: string;
}

/** A flow definition as stored: the request's, with every action's `temporary_id` replaced by a real `id`. */
export interface FlowDefinition {
  triggers: JsonObject[];
  actions: JsonObject[];
  entry_action_id: string | null;
  [key: string]: unknown;
}

/** A flow created through Create Flow. */
export interface KlaviyoFlow {
  id: string;
  name: string;
  status: FlowStatus;
  archived: boolean;
  triggerType: FlowTriggerType;
  definition: FlowDefinition;
  created: string;
  updated: string;
}

/** A flow an accepted event would start. */
export interface StartedFlow {
  id: string;
  name: string;
  status: FlowStatus;
}

/** What a test may change in a flow, as a merchant editing it in Klaviyo would. */
export interface FlowChanges {
  name?: string;
  archived?: boolean;
  definition?: FlowDefinition;
}

/** One JSON:API error, in the simulator's shape (it adds id, status and meta). */
export interface AccountError {
  code: string;
  title: string;
  detail: string;
  source: { pointer?: string; parameter?: string };
}

/** What a route answers: a success body, or errors. */
export type AccountAnswer = { ok: true; status: number; body: unknown } | { ok: false; status: number; errors: AccountError[] };

/** The account routes, by path and method. */
export const ACCOUNT_ROUTES: Record<string, Partial<Record<string, KlaviyoAccountEndpoint>>> = {
  '/api/flows': { GET: 'get-flows', POST: 'create-flow' },
  '/api/templates': { POST: 'create-template' },
  '/api/metrics': { GET: 'get-metrics' },
};

/** The scope each route requires (OAS `x-klaviyo-scopes`). */
export const REQUIRED_SCOPES: Record<KlaviyoAccountEndpoint, string> = {
  'create-flow': 'flows:write',
  'create-template': 'templates:write',
  'get-metrics': 'metrics:read',
  'get-flows': 'flows:read',
};

/** Klaviyo's published limits for the account routes (OAS `x-klaviyo-ratelimit`); Create Flow alone has a daily one. */
export const ACCOUNT_RATE_LIMITS: Record<KlaviyoAccountEndpoint, KlaviyoRateLimits> = {
  'create-flow': { burstPerSecond: 1, steadyPerMinute: 15, dailyPerDay: 100 },
  'create-template': { burstPerSecond: 75, steadyPerMinute: 750 },
  'get-metrics': { burstPerSecond: 10, steadyPerMinute: 150 },
  'get-flows': { burstPerSecond: 3, steadyPerMinute: 60 },
};

/**
 * The API integration as Klaviyo reports it on metrics made by the Events API. The documents type `integration` only
 * as an object; the fields (and this id) are what live accounts answer.
 */
const API_INTEGRATION: MetricIntegration = { object: 'integration', id: '7FtS4J', key: 'api', name: 'API', category: 'API' };
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Action ids are numbers as strings in Klaviyo; the simulator counts up from here. */
const FIRST_ACTION_ID = 90_000_001;
const EDITOR_TYPES = new Set(['CODE', 'USER_DRAGGABLE', 'SYSTEM_DRAGGABLE']);
/** "a limit of 1,000 templates that can be created via the API" (Create Template). */
const MAX_API_TEMPLATES = 1000;
/** Get Metrics: "a maximum of 200 results per page" (no page[size]). */
const METRICS_PAGE_SIZE = 200;
/** Get Flows: page[size] default 50, min 1, max 50. */
const FLOWS_PAGE_SIZE = { default: 50, min: 1, max: 50 };
const DEFINITION = '/data/attributes/definition';
/** Keys of a flow definition that name a metric or a template, wherever they sit (conditions, messages). */
const METRIC_REFERENCES = new Set(['metric_id', 'conversion_metric_id']);
const TEMPLATE_REFERENCES = new Set(['template_id']);
const TRIGGER_TYPES: Record<string, FlowTriggerType> = {
  metric: 'Metric',
  list: 'Added to List',
  // The response enum has no segment label; Klaviyo's app shows segment flows among the list-triggered ones.
  segment: 'Added to List',
  date: 'Date Based',
  'price-drop': 'Price Drop',
  'low-inventory': 'Low Inventory',
};
const FLOW_FIELDS = ['archived', 'created', 'id', 'name', 'status', 'trigger_type', 'updated'];
const METRIC_FIELDS = ['created', 'id', 'integration', 'name', 'updated'];
const FLOW_SORTS = ['created', 'id', 'name', 'status', 'trigger_type', 'updated'];
const INVALID = 'Invalid input.';

type FilterValue = string | number | boolean | null | FilterValue[];

interface Condition {
  operator: string;
  field: string;
  value: FilterValue;
}

type FieldKind = 'string' | 'boolean' | 'date-time' | 'string-list';

/** One filterable field of a collection (OAS `x-klaviyo-filters`) and how to read it from a record. */
interface FilterField<T> {
  operators: string[];
  kind: FieldKind;
  read: (item: T) => string | boolean;
}

const METRIC_FILTERS: Record<string, FilterField<KlaviyoMetric>> = {
  'integration.name': { operators: ['equals'], kind: 'string', read: (metric) => metric.integration.name },
  'integration.category': { operators: ['equals'], kind: 'string', read: (metric) => metric.integration.category },
};

const DATE_OPERATORS = ['equals', 'greater-or-equal', 'greater-than', 'less-or-equal', 'less-than'];
const FLOW_FILTERS: Record<string, FilterField<KlaviyoFlow>> = {
  id: { operators: ['any'], kind: 'string-list', read: (flow) => flow.id },
  name: { operators: ['contains', 'ends-with', 'equals', 'starts-with'], kind: 'string', read: (flow) => flow.name },
  status: { operators: ['equals'], kind: 'string', read: (flow) => flow.status },
  archived: { operators: ['equals'], kind: 'boolean', read: (flow) => flow.archived },
  created: { operators: DATE_OPERATORS, kind: 'date-time', read: (flow) => flow.created },
  updated: { operators: DATE_OPERATORS, kind: 'date-time', read: (flow) => flow.updated },
  trigger_type: { operators: ['equals'], kind: 'string', read: (flow) => flow.triggerType },
};

function invalid(detail: string, source: AccountError['source']): AccountError {
  return { code: 'invalid', title: INVALID, detail, source };
}

function refuse(errors: AccountError[]): AccountAnswer {
  return { ok: false, status: 400, errors };
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function pointerPart(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Klaviyo's timestamp style: seconds, with an explicit UTC offset. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** Six letters and digits, like Klaviyo's resource ids; derived from the seed, so the same seed gives the same id. */
function shortId(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  return Array.from(digest.subarray(0, 6), (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');
}

/** A filter expression that Klaviyo would refuse; becomes a 400 on the `filter` parameter. */
class FilterSyntaxError extends Error {}

/**
 * Parses Klaviyo's filter syntax: `op(field,value)` conditions, comma-separated or inside `and(...)` (both mean all of
 * them). Values are quoted strings ('…' or "…"), lists `[…]`, true/false/null, numbers, or bare dates.
 */
function parseFilter(text: string): Condition[] {
  let at = 0;
  const fail = (what: string): never => {
    throw new FilterSyntaxError(`Invalid filter at character ${at + 1}: ${what}.`);
  };
  const skipSpaces = (): void => {
    while (text[at] === ' ') at += 1;
  };
  const expect = (char: string): void => {
    skipSpaces();
    if (text[at] !== char) fail(`expected '${char}'`);
    at += 1;
  };
  const word = (): string => {
    skipSpaces();
    const start = at;
    while (at < text.length && /[A-Za-z0-9_.-]/.test(text[at] ?? '')) at += 1;
    if (at === start) fail('expected a name');
    return text.slice(start, at);
  };
  const value = (): FilterValue => {
    skipSpaces();
    const first = text[at];
    if (first === '"' || first === "'") {
      at += 1;
      let out = '';
      while (at < text.length && text[at] !== first) {
        if (text[at] === '\\' && at + 1 < text.length) at += 1;
        out += text[at];
        at += 1;
      }
      if (at >= text.length) fail('unterminated string');
      at += 1;
      return out;
    }
    if (first === '[') {
      at += 1;
      const items: FilterValue[] = [];
      skipSpaces();
      if (text[at] === ']') {
        at += 1;
        return items;
      }
      for (;;) {
        items.push(value());
        skipSpaces();
        if (text[at] === ']') {
          at += 1;
          return items;
        }
        expect(',');
      }
    }
    const start = at;
    while (at < text.length && !/[,)\]]/.test(text[at] ?? '')) at += 1;
    const bare = text.slice(start, at).trim();
    if (bare === '') fail('expected a value');
    if (bare === 'true' || bare === 'false') return bare === 'true';
    if (bare === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(bare)) return Number(bare);
    return bare;
  };
  const expression = (): Condition[] => {
    const operator = word();
    expect('(');
    if (operator === 'and') {
      const all = list(')');
      expect(')');
      return all;
    }
    if (operator === 'or' || operator === 'not') fail(`'${operator}' is not supported by the simulator`);
    const field = word();
    expect(',');
    const operand = value();
    expect(')');
    return [{ operator, field, value: operand }];
  };
  const list = (end: string | undefined): Condition[] => {
    const all = expression();
    for (;;) {
      skipSpaces();
      if (at >= text.length || text[at] === end) return all;
      expect(',');
      all.push(...expression());
    }
  };
  const conditions = list(undefined);
  skipSpaces();
  if (at < text.length) fail('unexpected text');
  return conditions;
}

/** Keeps the items every condition holds for, after checking each against the collection's filterable fields. */
function applyFilter<T>(items: T[], text: string | null, fields: Record<string, FilterField<T>>, resource: string): T[] | Refusal {
  if (text === null) return items;
  let conditions: Condition[];
  try {
    conditions = parseFilter(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError) return new Refusal(invalid(error.message, { parameter: 'filter' }));
    throw error;
  }
  const tests: ((item: T) => boolean)[] = [];
  for (const { operator, field, value } of conditions) {
    const spec = fields[field];
    if (!spec) {
      return new Refusal(
        invalid(`'${field}' is not a filterable field of ${resource} (filterable: ${Object.keys(fields).join(', ')}).`, { parameter: 'filter' }),
      );
    }
    if (!spec.operators.includes(operator)) {
      return new Refusal(invalid(`'${operator}' is not an operator for '${field}' (allowed: ${spec.operators.join(', ')}).`, { parameter: 'filter' }));
    }
    const test = conditionTest(spec, operator, value);
    if (!test) return new Refusal(invalid(`${JSON.stringify(value)} is not a valid ${spec.kind} value for '${field}'.`, { parameter: 'filter' }));
    tests.push(test);
  }
  return items.filter((item) => tests.every((test) => test(item)));
}

/** The predicate of one condition, or undefined when the value does not fit the field. */
function conditionTest<T>(spec: FilterField<T>, operator: string, value: FilterValue): ((item: T) => boolean) | undefined {
  switch (spec.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? (item) => spec.read(item) === value : undefined;
    case 'string-list':
      return Array.isArray(value) && value.every((entry) => typeof entry === 'string') ? (item) => value.includes(spec.read(item) as string) : undefined;
    case 'date-time': {
      const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(ms)) return undefined;
      const compare: Record<string, (a: number) => boolean> = {
        equals: (a) => a === ms,
        'greater-or-equal': (a) => a >= ms,
        'greater-than': (a) => a > ms,
        'less-or-equal': (a) => a <= ms,
        'less-than': (a) => a < ms,
      };
      const holds = compare[operator];
      return holds ? (item) => holds(Date.parse(String(spec.read(item)))) : undefined;
    }
    case 'string': {
      if (typeof value !== 'string') return undefined;
      // Case-sensitive: the documents do not say otherwise.
      const compare: Record<string, (a: string) => boolean> = {
        equals: (a) => a === value,
        contains: (a) => a.includes(value),
        'starts-with': (a) => a.startsWith(value),
        'ends-with': (a) => a.endsWith(value),
      };
      const holds = compare[operator];
      return holds ? (item) => holds(String(spec.read(item))) : undefined;
    }
  }
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number | undefined {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The requested sparse fieldset (`fields[type]=a,b`), or an error naming the unknown field. */
function sparseFields(query: URLSearchParams, type: string, allowed: string[]): Set<string> | undefined | Refusal {
  const raw = query.get(`fields[${type}]`);
  if (raw === null) return undefined;
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.find((name) => !allowed.includes(name));
  if (unknown !== undefined) {
    return new Refusal(invalid(`'${unknown}' is not a field of ${type} (fields: ${allowed.join(', ')}).`, { parameter: `fields[${type}]` }));
  }
  return new Set(names);
}

function pick(attributes: JsonObject, fields: Set<string> | undefined): JsonObject {
  return fields ? Object.fromEntries(Object.entries(attributes).filter(([name]) => fields.has(name))) : attributes;
}

/** A query parameter Klaviyo would refuse (400 on that parameter), as a value so helpers can return it. */
class Refusal {
  constructor(readonly error: AccountError) {}
}

/**
 * The resources of one simulated Klaviyo account that `flows install` touches, and the answers of the routes that
 * read and create them. Bodies reach it already checked against Klaviyo's schema; it applies what Klaviyo checks
 * beyond the schema and shapes every success body as the response schemas say.
 */
export class KlaviyoAccount {
  private readonly metricsByName = new Map<string, KlaviyoMetric>();
  private readonly templatesById = new Map<string, KlaviyoTemplate>();
  private readonly flowsById = new Map<string, KlaviyoFlow>();
  private readonly usedIds = new Set<string>();
  private nextActionId = FIRST_ACTION_ID;

  constructor(
    private readonly baseUrl: string,
    private readonly now: () => Date,
  ) {}

  /** The metric of this name, made now if no event of that name was accepted before. */
  metricFor(name: string): KlaviyoMetric {
    const known = this.metricsByName.get(name);
    if (known) return known;
    const created = timestamp(this.now());
    const metric: KlaviyoMetric = { id: this.newId(`metric:${name}`), name, integration: { ...API_INTEGRATION }, created, updated: created };
    this.metricsByName.set(name, metric);
    return metric;
  }

  metrics(): KlaviyoMetric[] {
    return [...this.metricsByName.values()].map((metric) => structuredClone(metric));
  }

  templates(): KlaviyoTemplate[] {
    return [...this.templatesById.values()].map((template) => structuredClone(template));
  }

  flows(): KlaviyoFlow[] {
    return [...this.flowsById.values()].map((flow) => structuredClone(flow));
  }

  setFlowStatus(id: string, status: FlowStatus): KlaviyoFlow {
    const flow = this.flow(id);
    flow.status = status;
    flow.updated = timestamp(this.now());
    return structuredClone(flow);
  }

  editFlow(id: string, changes: FlowChanges): KlaviyoFlow {
    const flow = this.flow(id);
    if (changes.name !== undefined) flow.name = changes.name;
    if (changes.archived !== undefined) flow.archived = changes.archived;
    if (changes.definition !== undefined) {
      flow.definition = structuredClone(changes.definition);
      flow.triggerType = triggerTypeOf(flow.definition.triggers);
    }
    flow.updated = timestamp(this.now());
    return structuredClone(flow);
  }

  /**
   * The flows an event of `metricName` with these properties starts: not archived, triggered by that metric, and
   * passing the trigger filter (condition groups all hold; within a group one condition is enough). The simulator
   * reads `metric-property` conditions with boolean, string and numeric filters; any other filter holds for no event.
   */
  flowsStartedBy(metricName: string, properties: JsonObject): StartedFlow[] {
    const metric = this.metricsByName.get(metricName);
    if (metric === undefined) return [];
    return [...this.flowsById.values()]
      .filter((flow) => {
        const trigger = flow.definition.triggers[0];
        if (flow.archived || trigger?.type !== 'metric' || trigger.id !== metric.id) return false;
        const groups =
          isObject(trigger.trigger_filter) && Array.isArray(trigger.trigger_filter.condition_groups) ? trigger.trigger_filter.condition_groups : [];
        return groups.every(
          (group) => isObject(group) && Array.isArray(group.conditions) && group.conditions.some((condition) => conditionHolds(condition, properties)),
        );
      })
      .map((flow) => ({ id: flow.id, name: flow.name, status: flow.status }));
  }

  /** Answers one route; `body` is the parsed request body of a POST, already valid against the schema. */
  answer(endpoint: KlaviyoAccountEndpoint, query: URLSearchParams, body: unknown): AccountAnswer {
    // Compound documents (`include`) are not simulated; Get Metrics documents no `sort`.
    const unsupported = endpoint === 'get-flows' ? ['include'] : endpoint === 'get-metrics' ? ['include', 'sort'] : [];
    const refused = unsupported.find((name) => query.has(name));
    if (refused !== undefined) return refuse([invalid(`The simulator does not support '${refused}' on this route.`, { parameter: refused })]);
    switch (endpoint) {
      case 'get-metrics':
        return this.getMetrics(query);
      case 'get-flows':
        return this.getFlows(query);
      case 'create-template':
        return this.createTemplate(query, body as JsonObject);
      case 'create-flow':
        return this.createFlow(body as JsonObject);
    }
  }

  private flow(id: string): KlaviyoFlow {
    const flow = this.flowsById.get(id);
    if (!flow) throw new Error(`No flow ${id} in the Klaviyo simulator.`);
    return flow;
  }

  private newId(seed: string): string {
    for (let attempt = 0; ; attempt += 1) {
      const id = shortId(attempt === 0 ? seed : `${seed}#${attempt}`);
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        return id;
      }
    }
  }

  private getMetrics(query: URLSearchParams): AccountAnswer {
    const fields = sparseFields(query, 'metric', METRIC_FIELDS);
    if (fields instanceof Refusal) return refuse([fields.error]);
    const matching = applyFilter([...this.metricsByName.values()], query.get('filter'), METRIC_FILTERS, 'metric');
    if (matching instanceof Refusal) return refuse([matching.error]);
    const page = this.page(matching, query, METRICS_PAGE_SIZE, '/api/metrics');
    if (page instanceof Refusal) return refuse([page.error]);
    const data = page.items.map((metric) => ({
      type: 'metric',
      id: metric.id,
      attributes: pick({ name: metric.name, created: metric.created, updated: metric.updated, integration: { ...metric.integration } }, fields),
      relationships: { 'flow-triggers': { links: this.relationshipLinks('metrics', metric.id, 'flow-triggers') } },
      links: { self: `${this.baseUrl}/api/metrics/${metric.id}/` },
    }));
    return { ok: true, status: 200, body: { data, links: page.links } };
  }

  private getFlows(query: URLSearchParams): AccountAnswer {
    const fields = sparseFields(query, 'flow', FLOW_FIELDS);
    if (fields instanceof Refusal) return refuse([fields.error]);
    const sort = query.get('sort');
    const sortField = sort?.replace(/^-/, '');
    if (sort !== null && (sortField === undefined || !FLOW_SORTS.includes(sortField))) {
      return refuse([invalid(`'${sort}' is not a sort of flow (sorts: ${FLOW_SORTS.join(', ')}, each also with '-').`, { parameter: 'sort' })]);
    }
    const matching = applyFilter([...this.flowsById.values()], query.get('filter'), FLOW_FILTERS, 'flow');
    if (matching instanceof Refusal) return refuse([matching.error]);
    if (sort !== null && sortField !== undefined) {
      const key = (flow: KlaviyoFlow): string =>
        String(sortField === 'trigger_type' ? flow.triggerType : flow[sortField as 'created' | 'id' | 'name' | 'status' | 'updated']);
      const direction = sort.startsWith('-') ? -1 : 1;
      matching.sort((a, b) => direction * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    }
    const rawSize = query.get('page[size]');
    const size = rawSize === null ? FLOWS_PAGE_SIZE.default : Number(rawSize);
    if (!Number.isInteger(size) || size < FLOWS_PAGE_SIZE.min || size > FLOWS_PAGE_SIZE.max) {
      return refuse([
        invalid(`page[size] must be an integer from ${FLOWS_PAGE_SIZE.min} to ${FLOWS_PAGE_SIZE.max}; got '${rawSize}'.`, { parameter: 'page[size]' }),
      ]);
    }
    const page = this.page(matching, query, size, '/api/flows');
    if (page instanceof Refusal) return refuse([page.error]);
    const data = page.items.map((flow) => ({
      ...this.flowResource(flow, false),
      attributes: pick(this.flowAttributes(flow), fields),
    }));
    return { ok: true, status: 200, body: { data, links: page.links } };
  }

  private createTemplate(query: URLSearchParams, body: JsonObject): AccountAnswer {
    const attributes = (body.data as JsonObject).attributes as JsonObject;
    const pointer = '/data/attributes';
    const editorType = attributes.editor_type as string;
    const errors: AccountError[] = [];
    if (!nonEmptyString(attributes.name)) errors.push(invalid('The template name must not be blank.', { pointer: `${pointer}/name` }));
    if (!EDITOR_TYPES.has(editorType)) {
      errors.push(invalid(`editor_type must be one of ${[...EDITOR_TYPES].join(', ')}; got '${editorType}'.`, { pointer: `${pointer}/editor_type` }));
    } else if (editorType === 'SYSTEM_DRAGGABLE') {
      if (attributes.definition === undefined || attributes.definition === null) {
        errors.push(invalid('A SYSTEM_DRAGGABLE template requires a definition.', { pointer: `${pointer}/definition` }));
      }
      for (const field of ['html', 'amp']) {
        if (attributes[field] !== undefined && attributes[field] !== null) {
          errors.push(invalid(`'${field}' is not allowed for a SYSTEM_DRAGGABLE template.`, { pointer: `${pointer}/${field}` }));
        }
      }
    } else if (typeof attributes.html !== 'string') {
      errors.push(invalid(`A ${editorType} template requires html.`, { pointer: `${pointer}/html` }));
    }
    if (this.templatesById.size >= MAX_API_TEMPLATES) {
      errors.push(invalid(`An account may hold at most ${MAX_API_TEMPLATES} templates created through the API.`, { pointer: '/data' }));
    }
    if (errors.length > 0) return refuse(errors);

    const created = timestamp(this.now());
    const template: KlaviyoTemplate = {
      id: this.newId(`template:${this.templatesById.size + 1}`),
      name: attributes.name as string,
      editorType,
      html: typeof attributes.html === 'string' ? attributes.html : '',
      text: typeof attributes.text === 'string' ? attributes.text : null,
      amp: typeof attributes.amp === 'string' ? attributes.amp : null,
      definition: isObject(attributes.definition) ? structuredClone(attributes.definition) : null,
      created,
      updated: created,
    };
    this.templatesById.set(template.id, template);
    const withDefinition = (query.get('additional-fields[template]') ?? '').split(',').includes('definition');
    const self = `${this.baseUrl}/api/templates/${template.id}/`;
    return {
      ok: true,
      status: 201,
      body: {
        data: {
          type: 'template',
          id: template.id,
          attributes: {
            name: template.name,
            editor_type: template.editorType,
            html: template.html,
            text: template.text,
            amp: template.amp,
            created: template.created,
            updated: template.updated,
            ...(withDefinition ? { definition: template.definition } : {}),
          },
          links: { self },
        },
        links: { self },
      },
    };
  }

  private createFlow(body: JsonObject): AccountAnswer {
    const attributes = (body.data as JsonObject).attributes as JsonObject;
    const definition = attributes.definition as FlowDefinition;
    const errors = this.flowErrors(attributes.name, definition);
    if (errors.length > 0) return refuse(errors);

    const created = timestamp(this.now());
    const flow: KlaviyoFlow = {
      id: this.newId(`flow:${this.flowsById.size + 1}`),
      name: attributes.name as string,
      // Create Flow takes no status: a new flow is always a draft until the merchant turns it on.
      status: 'draft',
      archived: false,
      triggerType: triggerTypeOf(definition.triggers),
      definition: this.withRealActionIds(definition),
      created,
      updated: created,
    };
    this.flowsById.set(flow.id, flow);
    const resource = this.flowResource(flow, true);
    return { ok: true, status: 201, body: { data: resource, links: { self: resource.links.self } } };
  }

  /** What Klaviyo refuses in a flow beyond the schema: one trigger at most, known metrics and templates, action wiring. */
  private flowErrors(name: unknown, definition: FlowDefinition): AccountError[] {
    const errors: AccountError[] = [];
    if (!nonEmptyString(name)) errors.push(invalid('The flow name must not be blank.', { pointer: '/data/attributes/name' }));
    if (definition.triggers.length > 1) {
      errors.push(invalid(`Only one trigger is supported; got ${definition.triggers.length}.`, { pointer: `${DEFINITION}/triggers` }));
    }
    definition.triggers.forEach((trigger, index) => {
      if (trigger.type !== 'metric') return;
      const pointer = `${DEFINITION}/triggers/${index}/id`;
      if (!nonEmptyString(trigger.id)) errors.push(invalid('A metric trigger must name the metric by id.', { pointer }));
      else if (!this.hasMetric(trigger.id)) errors.push(invalid(`Metric '${trigger.id}' does not exist.`, { pointer }));
    });
    this.walkReferences(definition, DEFINITION, errors);

    const temporaryIds = new Map<string, number>();
    definition.actions.forEach((action, index) => {
      const pointer = `${DEFINITION}/actions/${index}`;
      if (action.id !== undefined && action.id !== null) {
        errors.push(invalid("An action's id is not allowed on create; use temporary_id.", { pointer: `${pointer}/id` }));
      }
      const message = isObject(action.data) ? action.data.message : undefined;
      if (isObject(message) && message.id !== undefined && message.id !== null) {
        errors.push(invalid("A message's id is not allowed on create.", { pointer: `${pointer}/data/message/id` }));
      }
      if (!nonEmptyString(action.temporary_id)) {
        errors.push(invalid('A new action needs a temporary_id.', { pointer: `${pointer}/temporary_id` }));
      } else if (temporaryIds.has(action.temporary_id)) {
        errors.push(
          invalid(`temporary_id '${action.temporary_id}' is used by action ${temporaryIds.get(action.temporary_id)} too.`, {
            pointer: `${pointer}/temporary_id`,
          }),
        );
      } else {
        temporaryIds.set(action.temporary_id, index);
      }
    });
    definition.actions.forEach((action, index) => {
      if (!isObject(action.links)) return;
      for (const [link, target] of Object.entries(action.links)) {
        if (typeof target === 'string' && !temporaryIds.has(target)) {
          errors.push(
            invalid(`Link '${link}' names no action of this flow: '${target}'.`, { pointer: `${DEFINITION}/actions/${index}/links/${pointerPart(link)}` }),
          );
        }
      }
    });
    const entry = definition.entry_action_id;
    if (definition.actions.length > 0 && (typeof entry !== 'string' || !temporaryIds.has(entry))) {
      errors.push(
        invalid(`entry_action_id must be the temporary_id of one of the actions; got ${JSON.stringify(entry)}.`, { pointer: `${DEFINITION}/entry_action_id` }),
      );
    }
    if (definition.actions.length === 0 && entry !== null) {
      errors.push(invalid('A flow without actions has no entry action.', { pointer: `${DEFINITION}/entry_action_id` }));
    }
    return errors;
  }

  /**
   * Every `metric_id`/`template_id` anywhere in the definition (conditions, messages), and a metric trigger split's
   * `trigger_id`, must name an existing metric or template.
   */
  private walkReferences(value: unknown, pointer: string, errors: AccountError[]): void {
    if (Array.isArray(value)) {
      value.forEach((item, index) => this.walkReferences(item, `${pointer}/${index}`, errors));
      return;
    }
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const at = `${pointer}/${pointerPart(key)}`;
      const metricReference = METRIC_REFERENCES.has(key) || (key === 'trigger_id' && value.trigger_type === 'metric');
      if (metricReference && typeof child === 'string' && !this.hasMetric(child)) {
        errors.push(invalid(`Metric '${child}' does not exist.`, { pointer: at }));
      } else if (TEMPLATE_REFERENCES.has(key) && typeof child === 'string' && !this.templatesById.has(child)) {
        errors.push(invalid(`Template '${child}' does not exist.`, { pointer: at }));
      } else {
        this.walkReferences(child, at, errors);
      }
    }
  }

  private hasMetric(id: string): boolean {
    return [...this.metricsByName.values()].some((metric) => metric.id === id);
  }

  /** The definition as Klaviyo stores it: each temporary_id becomes a real id, and links follow. */
  private withRealActionIds(definition: FlowDefinition): FlowDefinition {
    const stored = structuredClone(definition);
    const ids = new Map<string, string>();
    for (const action of stored.actions) {
      const id = String(this.nextActionId);
      this.nextActionId += 1;
      ids.set(action.temporary_id as string, id);
      delete action.temporary_id;
      action.id = id;
    }
    for (const action of stored.actions) {
      if (!isObject(action.links)) continue;
      for (const [link, target] of Object.entries(action.links)) {
        if (typeof target === 'string') action.links[link] = ids.get(target) ?? target;
      }
    }
    stored.entry_action_id = stored.entry_action_id === null ? null : (ids.get(stored.entry_action_id) ?? stored.entry_action_id);
    return stored;
  }

  private flowAttributes(flow: KlaviyoFlow): JsonObject {
    return { name: flow.name, status: flow.status, archived: flow.archived, created: flow.created, updated: flow.updated, trigger_type: flow.triggerType };
  }

  /** A flow resource; Create Flow's answer carries the definition and the new actions' ids ("returns the new definition"). */
  private flowResource(
    flow: KlaviyoFlow,
    created: boolean,
  ): { type: 'flow'; id: string; attributes: JsonObject; relationships: JsonObject; links: { self: string } } {
    const actionIds = flow.definition.actions.map((action) => ({ type: 'flow-action', id: String(action.id) }));
    return {
      type: 'flow',
      id: flow.id,
      attributes: created ? { ...this.flowAttributes(flow), definition: structuredClone(flow.definition) } : this.flowAttributes(flow),
      relationships: {
        'flow-actions': { ...(created ? { data: actionIds } : {}), links: this.relationshipLinks('flows', flow.id, 'flow-actions') },
        tags: { links: this.relationshipLinks('flows', flow.id, 'tags') },
      },
      links: { self: `${this.baseUrl}/api/flows/${flow.id}/` },
    };
  }

  private relationshipLinks(collection: string, id: string, relationship: string): { self: string; related: string } {
    return {
      self: `${this.baseUrl}/api/${collection}/${id}/relationships/${relationship}/`,
      related: `${this.baseUrl}/api/${collection}/${id}/${relationship}/`,
    };
  }

  /** One page of a collection from `page[cursor]`, with Klaviyo's links (self, and next/prev only when there is one). */
  private page<T>(items: T[], query: URLSearchParams, size: number, path: string): { items: T[]; links: Record<string, string> } | Refusal {
    const cursor = query.get('page[cursor]');
    const offset = cursor === null ? 0 : decodeCursor(cursor);
    if (offset === undefined) return new Refusal(invalid(`'${cursor}' is not a valid page cursor.`, { parameter: 'page[cursor]' }));
    const link = (at: number | null): string => {
      const params = new URLSearchParams(query);
      if (at === null) params.delete('page[cursor]');
      else params.set('page[cursor]', encodeCursor(at));
      const search = params.toString();
      return `${this.baseUrl}${path}/${search === '' ? '' : `?${search}`}`;
    };
    const links: Record<string, string> = { self: link(cursor === null ? null : offset) };
    if (offset + size < items.length) links.next = link(offset + size);
    if (offset > 0) links.prev = link(Math.max(0, offset - size));
    return { items: items.slice(offset, offset + size), links };
  }
}

/** One `metric-property` condition of a trigger filter, on an event's properties. */
function conditionHolds(condition: unknown, properties: JsonObject): boolean {
  if (!isObject(condition) || condition.type !== 'metric-property' || typeof condition.field !== 'string' || !isObject(condition.filter)) return false;
  const actual = properties[condition.field];
  const { type, operator, value } = condition.filter;
  if (type === 'boolean' && operator === 'equals') return actual === value;
  if (type === 'string' && typeof actual === 'string' && typeof value === 'string') {
    if (operator === 'equals') return actual === value;
    if (operator === 'not-equals') return actual !== value;
    if (operator === 'contains') return actual.includes(value);
    return false;
  }
  if (type === 'numeric' && typeof actual === 'number' && typeof value === 'number') {
    const compare: Record<string, (a: number, b: number) => boolean> = {
      equals: (a, b) => a === b,
      'not-equals': (a, b) => a !== b,
      'greater-than': (a, b) => a > b,
      'greater-than-or-equal': (a, b) => a >= b,
      'less-than': (a, b) => a < b,
      'less-than-or-equal': (a, b) => a <= b,
    };
    return typeof operator === 'string' && compare[operator]?.(actual, value) === true;
  }
  return false;
}

/** The label of a definition's trigger (none: Unconfigured). */
function triggerTypeOf(triggers: JsonObject[]): FlowTriggerType {
  const type = triggers[0]?.type;
  return typeof type === 'string' ? (TRIGGER_TYPES[type] ?? 'Unconfigured') : 'Unconfigured';
}
