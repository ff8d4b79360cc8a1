import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findKlaviyoSchemaErrors } from '../klaviyo-schema.js';
import type { KlaviyoEndpoint, KlaviyoSchemaError } from '../klaviyo-schema.js';
import { ACCOUNT_RATE_LIMITS, ACCOUNT_ROUTES, KlaviyoAccount, REQUIRED_SCOPES } from './klaviyo-flows.js';
import type { FlowChanges, FlowStatus, KlaviyoAccountEndpoint, KlaviyoFlow, KlaviyoMetric, KlaviyoTemplate, StartedFlow } from './klaviyo-flows.js';

export type {
  FlowChanges,
  FlowDefinition,
  FlowStatus,
  FlowTriggerType,
  KlaviyoAccountEndpoint,
  KlaviyoFlow,
  KlaviyoMetric,
  KlaviyoTemplate,
} from './klaviyo-flows.js';

/** Every route the simulator plays: the event endpoints and the account routes of `flows install`. */
export type KlaviyoSimulatedEndpoint = KlaviyoEndpoint | KlaviyoAccountEndpoint;

/** An event Klaviyo would have stored: what the tests and the local demo look at. */
export interface AcceptedEvent {
  metric: string;
  profile: Record<string, unknown>;
  properties: Record<string, unknown>;
  time?: string;
  value?: number;
  uniqueId?: string;
  backfill: boolean;
  via: KlaviyoEndpoint;
  privateKey: string;
  /**
   * The account's flows this event would start once they are live (drafts included, with their status): flows on its
   * metric whose trigger filter it passes. None for a backfill event: Klaviyo records it without triggering flows.
   */
  flows: StartedFlow[];
}

export interface RecordedKlaviyoRequest {
  method: string;
  path: string;
  status: number;
  revision?: string;
  body: unknown;
  schemaErrors: string[];
}

export interface KlaviyoSimulatorOptions {
  privateKeys: string[];
  host?: string;
  port?: number;
  now?: () => Date;
  onEventAccepted?: (event: AcceptedEvent) => void;
  /** Decides a fault for each request (tests): an error answer, or no answer at all. */
  faults?: (request: { method: string; path: string; body: unknown }) => KlaviyoFault | undefined;
}

export interface KlaviyoRateLimits {
  burstPerSecond: number;
  steadyPerMinute: number;
  /** A third window of one UTC day (Create Flow's `100/d`); none when absent. */
  dailyPerDay?: number;
}

export interface KlaviyoFailure {
  status: number;
  retryAfterSeconds?: number;
  html?: boolean;
  /** The error's `detail` instead of the generic one: a refusal that quotes what it refused (tests of masking). */
  detail?: string;
}

/**
 * A fault injected into one request: an error answer, or a request never answered (the client times out), either
 * before Klaviyo looked at it or after it accepted it (the events are recorded, the client never learns it).
 */
export type KlaviyoFault = KlaviyoFailure | { hang: 'before-processing' | 'after-accepting' };

interface ErrorSource {
  pointer?: string;
  parameter?: string;
}

interface KlaviyoError {
  code: string;
  title: string;
  detail: string;
  source?: ErrorSource;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface ProfileResource {
  id?: string | null;
  attributes: Record<string, unknown>;
}

interface EventAttributes {
  properties: Record<string, unknown>;
  time?: string | null;
  value?: number | null;
  unique_id?: string | null;
  backfill?: boolean | null;
  metric: { data: { attributes: { name: string } } };
  profile?: { data: ProfileResource };
}

interface CreateEventBody {
  data: { attributes: EventAttributes };
}

interface BulkCreateEventsBody {
  data: {
    attributes: {
      'events-bulk-create': {
        data: { attributes: { backfill?: boolean | null; profile: { data: ProfileResource }; events: { data: { attributes: EventAttributes }[] } } }[];
      };
    };
  };
}

/** One event of a request with where it sits in the body, so errors can point at it. */
interface Candidate {
  attributes: EventAttributes;
  pointer: string;
  profile: ProfileResource;
  profilePointer: string;
  /** Bulk only: the profile group the event belongs to, which may carry its own `backfill`. */
  group?: { pointer: string; backfill?: boolean | null };
}

interface WindowUsage {
  window: number;
  count: number;
}

type RateDecision = { allowed: true; headers: Record<string, string> } | { allowed: false; retryAfterSeconds: number };

/** A request's route: an event endpoint (POST), or an account route of `flows install`. */
type Route = { kind: 'events'; endpoint: KlaviyoEndpoint } | { kind: 'account'; endpoint: KlaviyoAccountEndpoint };

type Parsed = { ok: true; value: unknown } | { ok: false };

const ROUTES: Record<string, KlaviyoEndpoint> = {
  '/api/events': 'create-event',
  '/api/event-bulk-create-jobs': 'bulk-create-events',
};
/** Klaviyo's published limits (OAS `x-klaviyo-ratelimit`). */
const DEFAULT_LIMITS: Record<KlaviyoSimulatedEndpoint, KlaviyoRateLimits> = {
  'create-event': { burstPerSecond: 350, steadyPerMinute: 3500 },
  'bulk-create-events': { burstPerSecond: 10, steadyPerMinute: 150 },
  ...ACCOUNT_RATE_LIMITS,
};
const EVENTS_SCOPE = 'events:write';
const DAY_MS = 86_400_000;
const JSON_API = 'application/vnd.api+json';
const ACCEPTED_MEDIA_TYPES = new Set(['application/json', JSON_API]);
const REVISION = /^(\d{4}-\d{2}-\d{2})(\.[A-Za-z0-9_-]+)?$/;
const BACKFILL_SINCE = '2026-04-15';
const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Bodies are kept in memory up to this size so an oversized one can still be recorded and answered. */
const MAX_BUFFERED_BYTES = 4 * MAX_BODY_BYTES;
const MAX_BULK_EVENTS = 1000;
const MAX_PROPERTIES = 400;
const MAX_METRIC_NAME_LENGTH = 127;
const EARLIEST_TIME_MS = Date.UTC(2000, 0, 1);
const E164 = /^\+[1-9]\d{1,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PROFILE_IDENTIFIERS = ['email', 'phone_number', 'external_id', 'anonymous_id', '_kx'];
const INVALID = 'Invalid input.';
const NOT_AUTHENTICATED: KlaviyoError = {
  code: 'not_authenticated',
  title: 'Authentication credentials were not provided.',
  detail: 'Missing or invalid private key.',
  source: { pointer: '/data/' },
};
const SERVER_ERRORS: Record<number, Omit<KlaviyoError, 'source'>> = {
  500: { code: 'error', title: 'A server error occurred.', detail: 'A server error occurred.' },
  502: { code: 'bad_gateway', title: 'Bad gateway.', detail: 'The upstream server returned an invalid response.' },
  503: { code: 'service_unavailable', title: 'Service unavailable.', detail: 'The service is temporarily unavailable. Please try again later.' },
  504: { code: 'gateway_timeout', title: 'Gateway timeout.', detail: 'The upstream server did not respond in time.' },
};
const CLOUDFLARE_CHALLENGE =
  '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>' +
  '<body><noscript>Enable JavaScript and cookies to continue</noscript></body></html>';

function jsonApiReply(status: number, errors: KlaviyoError[], headers: Record<string, string> = {}): Reply {
  const body = {
    errors: errors.map((error) => ({
      id: randomUUID(),
      status,
      code: error.code,
      title: error.title,
      detail: error.detail,
      source: error.source ?? { pointer: '/data/' },
      meta: {},
    })),
  };
  return { status, headers: { 'content-type': JSON_API, ...headers }, body: JSON.stringify(body) };
}

function invalid(detail: string, source: ErrorSource): KlaviyoError {
  return { code: 'invalid', title: INVALID, detail, source };
}

function backfillTooEarly(pointer: string): KlaviyoError {
  return invalid(`'backfill' is not available before revision ${BACKFILL_SINCE}.`, { pointer });
}

function failureReply(failure: KlaviyoFailure): Reply {
  const headers: Record<string, string> = {};
  if (failure.retryAfterSeconds !== undefined) headers['retry-after'] = String(failure.retryAfterSeconds);
  if (failure.html) {
    return {
      status: failure.status,
      headers: { ...headers, 'content-type': 'text/html; charset=UTF-8', 'cf-mitigated': 'challenge' },
      body: CLOUDFLARE_CHALLENGE,
    };
  }
  const known =
    SERVER_ERRORS[failure.status] ??
    (failure.status === 429
      ? { code: 'throttled', title: 'Request was throttled.', detail: 'Request was throttled.' }
      : failure.status === 403
        ? {
            code: 'permission_denied',
            title: 'You do not have permission to perform this action.',
            detail: 'You do not have permission to perform this action.',
          }
        : { code: 'error', title: 'Simulated failure.', detail: `Simulated HTTP ${failure.status}.` });
  return jsonApiReply(failure.status, [failure.detail === undefined ? known : { ...known, detail: failure.detail }], headers);
}

/** Reads the whole body (Klaviyo answers only once it has it), keeping at most MAX_BUFFERED_BYTES. */
async function readBody(request: IncomingMessage): Promise<{ bytes: Buffer; size: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    if (size + chunk.length <= MAX_BUFFERED_BYTES) chunks.push(chunk);
    size += chunk.length;
  }
  return { bytes: Buffer.concat(chunks), size };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function privateKeyOf(request: IncomingMessage): string | undefined {
  const match = /^Klaviyo-API-Key\s+(\S+)\s*$/i.exec(header(request, 'authorization') ?? '');
  return match?.[1];
}

function isRealDate(yyyyMmDd: string): boolean {
  const date = new Date(`${yyyyMmDd}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(yyyyMmDd);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** Who the event is about, for dedupe: email, else phone number, else external id, else Klaviyo id, else the anonymous ids. */
function profileIdentity(profile: ProfileResource): string {
  const attributes = profile.attributes;
  if (nonEmptyString(attributes.email)) return `email:${attributes.email.trim().toLowerCase()}`;
  if (nonEmptyString(attributes.phone_number)) return `phone:${attributes.phone_number}`;
  if (nonEmptyString(attributes.external_id)) return `external_id:${attributes.external_id}`;
  if (nonEmptyString(profile.id)) return `id:${profile.id}`;
  if (nonEmptyString(attributes.anonymous_id)) return `anonymous_id:${attributes.anonymous_id}`;
  return `_kx:${String(attributes._kx)}`;
}

function formatSchemaError(error: KlaviyoSchemaError): string {
  return `${error.pointer} ${error.message}`;
}

function routeOf(method: string, path: string): Route | undefined {
  const trimmed = path.replace(/\/+$/, '');
  const events = method === 'POST' ? ROUTES[trimmed] : undefined;
  if (events) return { kind: 'events', endpoint: events };
  const account = ACCOUNT_ROUTES[trimmed]?.[method];
  return account ? { kind: 'account', endpoint: account } : undefined;
}

/** The endpoints whose request bodies are held to Klaviyo's schema. */
function bodySchemaOf(route: Route | undefined): KlaviyoEndpoint | 'create-flow' | 'create-template' | undefined {
  if (route?.kind === 'events') return route.endpoint;
  return route?.endpoint === 'create-flow' || route?.endpoint === 'create-template' ? route.endpoint : undefined;
}

/** A `write` scope carries its `read` one, as a key with Full Access to a resource in Klaviyo can also read it. */
function grants(scopes: ReadonlySet<string>, required: string): boolean {
  return scopes.has(required) || (required.endsWith(':read') && scopes.has(required.replace(/:read$/, ':write')));
}

/**
 * A stand-in for Klaviyo's Create Event and Bulk Create Events endpoints, close enough to the real thing that the
 * client's retry, dedupe and error handling can be tested end to end: it validates every body against Klaviyo's
 * official schema, applies the documented semantics (identifiers, E.164, time range, unique_id dedupe, limits) and
 * answers with Klaviyo's status codes, headers and JSON:API error envelope. For `flows install` it also plays Get
 * Metrics (metrics exist once an event named them), Create Template, Create Flow and Get Flows (klaviyo-flows.ts).
 */
export class KlaviyoSimulator {
  readonly baseUrl: string;
  /** Events recorded, after Klaviyo-style dedupe. */
  readonly events: AcceptedEvent[] = [];
  /** Every request received, with the schema errors found in its body. */
  readonly requests: RecordedKlaviyoRequest[] = [];

  private readonly server: Server;
  private readonly now: () => Date;
  private readonly onEventAccepted: ((event: AcceptedEvent) => void) | undefined;
  private readonly faults: KlaviyoSimulatorOptions['faults'];
  private readonly keys: Set<string>;
  private readonly revoked = new Set<string>();
  private readonly restricted = new Set<string>();
  /** Keys restricted to a list of scopes (restrictScopes); keys absent here have every scope. */
  private readonly scopes = new Map<string, Set<string>>();
  private readonly failures: KlaviyoFailure[] = [];
  private readonly limits: Record<KlaviyoSimulatedEndpoint, KlaviyoRateLimits> = { ...DEFAULT_LIMITS };
  private readonly usage = new Map<string, { burst: WindowUsage; steady: WindowUsage; daily: WindowUsage }>();
  private readonly account: KlaviyoAccount;
  private readonly recordedKeys = new Set<string>();
  private dropped = 0;

  private constructor(server: Server, baseUrl: string, options: KlaviyoSimulatorOptions) {
    this.server = server;
    this.baseUrl = baseUrl;
    this.keys = new Set(options.privateKeys);
    this.now = options.now ?? ((): Date => new Date());
    this.onEventAccepted = options.onEventAccepted;
    this.faults = options.faults;
    this.account = new KlaviyoAccount(baseUrl, this.now);
  }

  /** Starts listening (127.0.0.1 on a free port unless told otherwise) and resolves once requests can be sent. */
  static async start(options: KlaviyoSimulatorOptions): Promise<KlaviyoSimulator> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const simulator = new KlaviyoSimulator(server, `http://${host.includes(':') ? `[${host}]` : host}:${port}`, options);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      void simulator.handle(request, response);
    });
    return simulator;
  }

  /** Repeats of a unique_id for the same profile and metric: answered 202 like Klaviyo, but not recorded. */
  get duplicatesDropped(): number {
    return this.dropped;
  }

  /** The unique_id of each dropped repeat, in order ('' for one without a unique_id). */
  readonly droppedUniqueIds: string[] = [];

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
    this.server.closeAllConnections();
    await closed;
  }

  /** The next `count` requests get this failure instead of their normal answer (queued after earlier failNext calls). */
  failNext(count: number, failure: KlaviyoFailure): void {
    for (let i = 0; i < count; i += 1) this.failures.push({ ...failure });
  }

  /** The key stops authenticating (401), as when it is deleted in Klaviyo. */
  revokeKey(privateKey: string): void {
    this.revoked.add(privateKey);
  }

  /** The key still authenticates but lacks the `events:write` scope (403 permission_denied). */
  restrictKey(privateKey: string): void {
    this.restricted.add(privateKey);
  }

  /**
   * The key keeps only these scopes (e.g. `['events:write', 'metrics:read']`): any route needing another answers 403
   * naming the missing scope. A `write` scope carries its `read` one, like Full Access in Klaviyo.
   */
  restrictScopes(privateKey: string, scopes: string[]): void {
    this.scopes.set(privateKey, new Set(scopes));
  }

  /** Replaces the limits of one endpoint, or of every endpoint when none is named (a daily limit only if given). */
  setRateLimits(limits: KlaviyoRateLimits, endpoint?: KlaviyoSimulatedEndpoint): void {
    for (const target of endpoint ? [endpoint] : (Object.keys(this.limits) as KlaviyoSimulatedEndpoint[])) {
      this.limits[target] = { ...limits };
    }
  }

  /** The account's metrics, in the order they appeared: one per distinct metric name of the accepted events. */
  metrics(): KlaviyoMetric[] {
    return this.account.metrics();
  }

  /** Makes the metric as if an event of that name had been accepted (tests); returns it, or the existing one. */
  createMetric(name: string): KlaviyoMetric {
    return structuredClone(this.account.metricFor(name));
  }

  /** The templates created through POST /api/templates, in order. */
  templates(): KlaviyoTemplate[] {
    return this.account.templates();
  }

  /** The flows created through POST /api/flows, in order, with their current status. */
  flows(): KlaviyoFlow[] {
    return this.account.flows();
  }

  /** The merchant turns the flow live, manual, or back to draft in Klaviyo; `updated` moves to now. Throws for an unknown id. */
  setFlowStatus(id: string, status: FlowStatus): KlaviyoFlow {
    return this.account.setFlowStatus(id, status);
  }

  /** The merchant edits the flow in Klaviyo (name, archive, definition); `updated` moves to now. Throws for an unknown id. */
  editFlow(id: string, changes: FlowChanges): KlaviyoFlow {
    return this.account.editFlow(id, changes);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://simulator');
    const path = url.pathname;
    const revision = header(request, 'revision');
    let body: unknown;
    let schemaErrors: KlaviyoSchemaError[] = [];
    let reply: Reply;
    try {
      const { bytes, size } = await readBody(request);
      const kept = size <= MAX_BUFFERED_BYTES;
      const text = kept ? bytes.toString('utf8') : '';
      const parsed = kept ? parseJson(text) : ({ ok: false } as const);
      body = parsed.ok ? parsed.value : kept ? text || undefined : `<${size} bytes, not kept>`;
      const route = routeOf(method, path);
      const bodySchema = bodySchemaOf(route);
      if (bodySchema && parsed.ok) schemaErrors = findKlaviyoSchemaErrors(bodySchema, parsed.value);
      const fault = this.faults?.({ method, path, body });
      if (fault !== undefined && 'hang' in fault) {
        if (fault.hang === 'after-accepting') this.respond(request, route, url.searchParams, size, parsed, schemaErrors, revision);
        this.requests.push({ method, path, status: 0, revision, body, schemaErrors: schemaErrors.map(formatSchemaError) });
        return;
      }
      reply = fault !== undefined ? failureReply(fault) : this.respond(request, route, url.searchParams, size, parsed, schemaErrors, revision);
    } catch (error) {
      reply = jsonApiReply(500, [{ ...SERVER_ERRORS[500]!, detail: `Simulator error: ${error instanceof Error ? error.message : String(error)}` }]);
    }
    this.requests.push({ method, path, status: reply.status, revision, body, schemaErrors: schemaErrors.map(formatSchemaError) });
    response.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) });
    response.end(reply.body);
  }

  /** Klaviyo's checks in the order it applies them: route, auth, scope, rate limit, headers, body. */
  private respond(
    request: IncomingMessage,
    route: Route | undefined,
    query: URLSearchParams,
    size: number,
    parsed: Parsed,
    schemaErrors: KlaviyoSchemaError[],
    revision: string | undefined,
  ): Reply {
    const failure = this.failures.shift();
    if (failure) return failureReply(failure);
    if (!route) {
      return jsonApiReply(404, [{ code: 'not_found', title: 'Not found.', detail: 'The requested resource was not found.', source: { pointer: '/data/' } }]);
    }
    const endpoint = route.endpoint;

    const privateKey = privateKeyOf(request);
    if (!privateKey || !this.keys.has(privateKey) || this.revoked.has(privateKey)) return jsonApiReply(401, [NOT_AUTHENTICATED]);
    const scope = route.kind === 'events' ? EVENTS_SCOPE : REQUIRED_SCOPES[route.endpoint];
    const granted = this.scopes.get(privateKey);
    if ((scope === EVENTS_SCOPE && this.restricted.has(privateKey)) || (granted !== undefined && !grants(granted, scope))) {
      return jsonApiReply(403, [
        {
          code: 'permission_denied',
          title: 'You do not have permission to perform this action.',
          detail: `This API key is missing required scopes: ${scope}.`,
          source: { pointer: '/data/' },
        },
      ]);
    }

    const rate = this.consume(privateKey, endpoint);
    if (!rate.allowed) {
      return jsonApiReply(
        429,
        [
          {
            code: 'throttled',
            title: 'Request was throttled.',
            detail: `Request was throttled. Expected available in ${rate.retryAfterSeconds} seconds.`,
            source: { pointer: '/data/' },
          },
        ],
        { 'retry-after': String(rate.retryAfterSeconds) },
      );
    }
    const withRate = (reply: Reply): Reply => ({ ...reply, headers: { ...reply.headers, ...rate.headers } });

    const revisionMatch = REVISION.exec(revision ?? '');
    if (!revisionMatch?.[1] || !isRealDate(revisionMatch[1])) {
      const detail = revision === undefined ? "Missing required header 'revision'." : `Invalid revision '${revision}': expected YYYY-MM-DD[.suffix].`;
      return withRate(jsonApiReply(400, [invalid(detail, { parameter: 'revision' })]));
    }
    if (route.kind === 'account' && (route.endpoint === 'get-metrics' || route.endpoint === 'get-flows')) {
      return withRate(this.accountReply(route.endpoint, query, undefined));
    }

    const mediaType = (header(request, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!ACCEPTED_MEDIA_TYPES.has(mediaType)) {
      return withRate(
        jsonApiReply(415, [
          {
            code: 'unsupported_media_type',
            title: 'Unsupported media type.',
            detail: `Unsupported media type "${mediaType}" in request.`,
            source: { pointer: '/data/' },
          },
        ]),
      );
    }
    if (size > MAX_BODY_BYTES) {
      return withRate(jsonApiReply(400, [invalid(`The payload is ${size} bytes; the maximum is 5 MB.`, { pointer: '/data/' })]));
    }
    if (!parsed.ok) {
      return withRate(
        jsonApiReply(400, [{ code: 'parse_error', title: 'Malformed request.', detail: 'The request body is not valid JSON.', source: { pointer: '/data/' } }]),
      );
    }
    if (schemaErrors.length > 0) {
      return withRate(
        jsonApiReply(
          400,
          schemaErrors.map((error) => invalid(`${error.pointer} ${error.message}`, { pointer: error.pointer })),
        ),
      );
    }

    if (route.kind === 'account') return withRate(this.accountReply(route.endpoint, query, parsed.value));

    const candidates =
      route.endpoint === 'create-event'
        ? this.candidatesOfCreate(parsed.value as CreateEventBody)
        : this.candidatesOfBulk(parsed.value as BulkCreateEventsBody);
    const errors = this.semanticErrors(route.endpoint, candidates, revisionMatch[1]);
    if (errors.length > 0) return withRate(jsonApiReply(400, errors));

    for (const candidate of candidates) this.record(candidate, route.endpoint, privateKey);
    return withRate({ status: 202, headers: {}, body: '' });
  }

  /** An account route's answer as a reply: its JSON:API document, or its errors. */
  private accountReply(endpoint: KlaviyoAccountEndpoint, query: URLSearchParams, body: unknown): Reply {
    const answer = this.account.answer(endpoint, query, body);
    if (!answer.ok) return jsonApiReply(answer.status, answer.errors);
    return { status: answer.status, headers: { 'content-type': JSON_API }, body: JSON.stringify(answer.body) };
  }

  private candidatesOfCreate(body: CreateEventBody): Candidate[] {
    const attributes = body.data.attributes;
    // The schema requires the profile on a single event; only bulk entries inherit it from their group.
    const profile = attributes.profile?.data as ProfileResource;
    return [{ attributes, pointer: '/data/attributes', profile, profilePointer: '/data/attributes/profile/data' }];
  }

  private candidatesOfBulk(body: BulkCreateEventsBody): Candidate[] {
    return body.data.attributes['events-bulk-create'].data.flatMap((group, g) => {
      const groupPointer = `/data/attributes/events-bulk-create/data/${g}/attributes`;
      return group.attributes.events.data.map((event, e) => ({
        attributes: event.attributes,
        pointer: `${groupPointer}/events/data/${e}/attributes`,
        profile: group.attributes.profile.data,
        profilePointer: `${groupPointer}/profile/data`,
        group: { pointer: groupPointer, backfill: group.attributes.backfill },
      }));
    });
  }

  /** What Klaviyo rejects beyond the schema; for bulk, one bad event fails the whole request. */
  private semanticErrors(endpoint: KlaviyoEndpoint, candidates: Candidate[], revisionDate: string): KlaviyoError[] {
    const errors: KlaviyoError[] = [];
    if (endpoint === 'bulk-create-events' && candidates.length > MAX_BULK_EVENTS) {
      errors.push(
        invalid(`A bulk request may hold at most ${MAX_BULK_EVENTS} events; got ${candidates.length}.`, {
          pointer: '/data/attributes/events-bulk-create/data',
        }),
      );
    }
    const checkedGroups = new Set<string>();
    const uniqueIds = new Map<string, string>();
    const now = this.now();
    const latest = new Date(now.getTime());
    latest.setUTCFullYear(latest.getUTCFullYear() + 1);

    for (const candidate of candidates) {
      const { attributes, pointer, profile, profilePointer } = candidate;
      if (!checkedGroups.has(profilePointer)) {
        checkedGroups.add(profilePointer);
        errors.push(...this.profileErrors(profile, profilePointer));
        if (candidate.group?.backfill !== undefined && revisionDate < BACKFILL_SINCE) errors.push(backfillTooEarly(`${candidate.group.pointer}/backfill`));
      }
      if (attributes.backfill !== undefined && revisionDate < BACKFILL_SINCE) errors.push(backfillTooEarly(`${pointer}/backfill`));
      const name = attributes.metric.data.attributes.name;
      if (name.trim() === '' || name.length > MAX_METRIC_NAME_LENGTH) {
        errors.push(invalid('The metric name must be non-empty and less than 128 characters.', { pointer: `${pointer}/metric/data/attributes/name` }));
      }
      if (Object.keys(attributes.properties).length > MAX_PROPERTIES) {
        errors.push(invalid(`An event may have at most ${MAX_PROPERTIES} properties.`, { pointer: `${pointer}/properties` }));
      }
      if (typeof attributes.time === 'string') {
        const time = Date.parse(attributes.time);
        if (time < EARLIEST_TIME_MS || time > latest.getTime()) {
          errors.push(invalid('The event time must be after the year 2000 and at most 1 year in the future.', { pointer: `${pointer}/time` }));
        }
      }
      if (endpoint === 'bulk-create-events' && nonEmptyString(attributes.unique_id)) {
        const key = JSON.stringify([profileIdentity(profile), name, attributes.unique_id]);
        const first = uniqueIds.get(key);
        if (first !== undefined) {
          errors.push(
            invalid(`unique_id '${attributes.unique_id}' is repeated for the same profile and metric (first at ${first}); no events were processed.`, {
              pointer: `${pointer}/unique_id`,
            }),
          );
        } else {
          uniqueIds.set(key, pointer);
        }
      }
    }
    return errors;
  }

  private profileErrors(profile: ProfileResource, pointer: string): KlaviyoError[] {
    const errors: KlaviyoError[] = [];
    const attributes = profile.attributes;
    if (!nonEmptyString(profile.id) && !PROFILE_IDENTIFIERS.some((field) => nonEmptyString(attributes[field]))) {
      errors.push(invalid('One or more identifiers is required.', { pointer: `${pointer}/attributes` }));
    }
    if (typeof attributes.phone_number === 'string' && !E164.test(attributes.phone_number)) {
      errors.push(invalid(`Invalid phone number format: '${attributes.phone_number}' is not E.164.`, { pointer: `${pointer}/attributes/phone_number` }));
    }
    if (typeof attributes.email === 'string' && !EMAIL.test(attributes.email)) {
      errors.push(invalid(`Invalid email address: '${attributes.email}'.`, { pointer: `${pointer}/attributes/email` }));
    }
    return errors;
  }

  /**
   * Stores the event unless Klaviyo would drop it: the same unique_id (or, without one, the same second) was already
   * recorded for this profile and metric. The simulator is one Klaviyo account, so dedupe spans all its keys.
   */
  private record(candidate: Candidate, via: KlaviyoEndpoint, privateKey: string): void {
    const { attributes, profile } = candidate;
    const metric = attributes.metric.data.attributes.name;
    const dedupeId = nonEmptyString(attributes.unique_id)
      ? `unique_id:${attributes.unique_id}`
      : `second:${Math.floor((typeof attributes.time === 'string' ? Date.parse(attributes.time) : this.now().getTime()) / 1000)}`;
    const key = JSON.stringify([profileIdentity(profile), metric, dedupeId]);
    if (this.recordedKeys.has(key)) {
      this.dropped += 1;
      this.droppedUniqueIds.push(nonEmptyString(attributes.unique_id) ? attributes.unique_id : '');
      return;
    }
    this.recordedKeys.add(key);
    this.account.metricFor(metric);
    const backfill = (attributes.backfill ?? candidate.group?.backfill) === true;
    const event: AcceptedEvent = {
      metric,
      profile: { ...structuredClone(profile.attributes), ...(nonEmptyString(profile.id) ? { id: profile.id } : {}) },
      properties: structuredClone(attributes.properties),
      ...(typeof attributes.time === 'string' ? { time: attributes.time } : {}),
      ...(typeof attributes.value === 'number' ? { value: attributes.value } : {}),
      ...(nonEmptyString(attributes.unique_id) ? { uniqueId: attributes.unique_id } : {}),
      backfill,
      via,
      privateKey,
      flows: backfill ? [] : this.account.flowsStartedBy(metric, attributes.properties),
    };
    this.events.push(event);
    this.onEventAccepted?.(event);
  }

  /**
   * Counts the request against the key's fixed windows (1 s burst, 1 min steady, and one UTC day where the endpoint
   * has a daily limit) for this endpoint. Allowed requests get RateLimit-* headers for whichever window has fewer
   * requests left; refused ones the seconds until every spent window resets.
   */
  private consume(privateKey: string, endpoint: KlaviyoSimulatedEndpoint): RateDecision {
    const limits = this.limits[endpoint];
    const ms = this.now().getTime();
    const second = Math.floor(ms / 1000);
    const minute = Math.floor(ms / 60_000);
    const day = Math.floor(ms / DAY_MS);
    const id = `${endpoint} ${privateKey}`;
    const usage = this.usage.get(id) ?? { burst: { window: second, count: 0 }, steady: { window: minute, count: 0 }, daily: { window: day, count: 0 } };
    this.usage.set(id, usage);
    if (usage.burst.window !== second) usage.burst = { window: second, count: 0 };
    if (usage.steady.window !== minute) usage.steady = { window: minute, count: 0 };
    if (usage.daily.window !== day) usage.daily = { window: day, count: 0 };

    const windows = [
      { limit: limits.burstPerSecond, used: usage.burst, resetMs: (second + 1) * 1000 - ms },
      { limit: limits.steadyPerMinute, used: usage.steady, resetMs: (minute + 1) * 60_000 - ms },
      ...(limits.dailyPerDay === undefined ? [] : [{ limit: limits.dailyPerDay, used: usage.daily, resetMs: (day + 1) * DAY_MS - ms }]),
    ];
    const spent = windows.filter((window) => window.used.count >= window.limit);
    if (spent.length > 0) {
      const waitMs = Math.max(...spent.map((window) => window.resetMs));
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }

    for (const window of windows) window.used.count += 1;
    // Ties go to the longer window, as between burst and steady before.
    const tightest = windows.reduce((best, window) => (window.limit - window.used.count <= best.limit - best.used.count ? window : best));
    const [limit, remaining, resetMs] = [tightest.limit, tightest.limit - tightest.used.count, tightest.resetMs];
    return {
      allowed: true,
      headers: {
        'ratelimit-limit': String(limit),
        'ratelimit-remaining': String(remaining),
        'ratelimit-reset': String(Math.max(1, Math.ceil(resetMs / 1000))),
      },
    };
  }
}
