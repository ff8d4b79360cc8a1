// Klaviyo Bulk Create Events (POST /api/event-bulk-create-jobs): the request body, and how a list of events is cut
// into requests Klaviyo accepts. One bad event refuses the whole request, so every limit is kept before sending.
import { BadInputError } from './errors.js';
import { eventAttributes, profileAttributes, type KlaviyoEvent } from './klaviyo-event.js';

/** What one Bulk Create Events request may hold. */
export interface BulkLimits {
  maxEvents: number;
  /** Serialized body, UTF-8 bytes. */
  maxBytes: number;
}

/** Klaviyo's documented limits: 1,000 events and 5 MB per request. */
export const KLAVIYO_BULK_LIMITS: Readonly<BulkLimits> = { maxEvents: 1000, maxBytes: 5 * 1024 * 1024 };

interface BulkEventResource {
  type: 'event';
  attributes: Record<string, unknown>;
}

interface BulkProfileEntry {
  type: 'event-bulk-create';
  attributes: {
    profile: { data: { type: 'profile'; attributes: Record<string, unknown> } };
    events: { data: BulkEventResource[] };
  };
}

export interface BulkCreateEventsBody {
  data: { type: 'event-bulk-create-job'; attributes: { 'events-bulk-create': { data: BulkProfileEntry[] } } };
}

const encoder = new TextEncoder();
const utf8Length = (text: string): number => encoder.encode(text).length;

/** JSON with object keys sorted at every level, so equal values give equal text whatever their key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const eventResource = (event: KlaviyoEvent): BulkEventResource => ({ type: 'event', attributes: eventAttributes(event) });

const profileEntry = (profile: Record<string, unknown>, events: BulkEventResource[]): BulkProfileEntry => ({
  type: 'event-bulk-create',
  attributes: {
    profile: { data: { type: 'profile', attributes: profile } },
    events: { data: events },
  },
});

const envelope = (entries: BulkProfileEntry[]): BulkCreateEventsBody => ({
  data: { type: 'event-bulk-create-job', attributes: { 'events-bulk-create': { data: entries } } },
});

/**
 * The body of `POST /api/event-bulk-create-jobs`. Events of the same profile (equal `profileAttributes`) share one
 * `event-bulk-create` entry; entries come in the order their profile first appears, events in their given order.
 * `backfill` is set per event, as in Create Event.
 */
export function bulkCreateEventsBody(events: KlaviyoEvent[]): BulkCreateEventsBody {
  const groups = new Map<string, { profile: Record<string, unknown>; events: BulkEventResource[] }>();
  for (const event of events) {
    const profile = profileAttributes(event.profile);
    const key = stableJson(profile);
    const group = groups.get(key) ?? { profile, events: [] };
    groups.set(key, group);
    group.events.push(eventResource(event));
  }
  return envelope([...groups.values()].map((g) => profileEntry(g.profile, g.events)));
}

/**
 * Why the events cannot go to Klaviyo as one bulk request (too many, a unique_id repeated, a body too large), or
 * undefined when they can. A repeated unique_id makes Klaviyo refuse the whole request.
 */
export function bulkRequestProblem(events: KlaviyoEvent[], limits: BulkLimits = KLAVIYO_BULK_LIMITS): string | undefined {
  if (events.length > limits.maxEvents) return `a bulk request may hold at most ${limits.maxEvents} events; got ${events.length}`;
  const seen = new Set<string>();
  for (const event of events) {
    if (event.uniqueId === '') continue;
    if (seen.has(event.uniqueId)) return `unique_id ${event.uniqueId} appears more than once in one bulk request`;
    seen.add(event.uniqueId);
  }
  const bytes = utf8Length(JSON.stringify(bulkCreateEventsBody(events)));
  if (bytes > limits.maxBytes) return `the bulk request body is ${bytes} bytes; the limit is ${limits.maxBytes}`;
  return undefined;
}

/** Events planned so far for one request, and the exact UTF-8 size of its body. */
interface ChunkInProgress {
  events: KlaviyoEvent[];
  uniqueIds: Set<string>;
  profiles: Set<string>;
  bytes: number;
}

/**
 * Cuts events into Bulk Create Events requests that Klaviyo accepts: at most `maxEvents` each, a body of at most
 * `maxBytes`, and no unique_id twice in one request. Requests are filled greedily in order, so 2,500 small events make
 * 1000/1000/500. An event whose unique_id is already in the request being filled waits for the next one (it leads it).
 * Exact copies (deep-equal events) are dropped instead: Klaviyo would drop them anyway (same profile, metric and
 * unique_id), so sending them would only cost a request.
 *
 * Size is counted without serializing a request twice: the body's JSON is the empty envelope with its entries joined
 * by commas, each entry its empty form with its events joined by commas, so the size is the sum of those parts' sizes
 * plus the commas. UTF-8 length is additive over concatenation, so the count is exact.
 * @throws BadInputError naming the unique_id of an event too large to fit in a request on its own
 */
export function planBulkRequests(events: KlaviyoEvent[], limits: BulkLimits = KLAVIYO_BULK_LIMITS): KlaviyoEvent[][] {
  if (!(limits.maxEvents >= 1) || !(limits.maxBytes >= 1)) throw new BadInputError('bulk limits must allow at least one event and one byte');
  const emptyBodyBytes = utf8Length(JSON.stringify(envelope([])));
  const sizes = new Map<KlaviyoEvent, { profileKey: string; eventBytes: number; emptyEntryBytes: number }>();
  const sizeOf = (event: KlaviyoEvent): { profileKey: string; eventBytes: number; emptyEntryBytes: number } => {
    let size = sizes.get(event);
    if (size === undefined) {
      const profile = profileAttributes(event.profile);
      size = {
        profileKey: stableJson(profile),
        eventBytes: utf8Length(JSON.stringify(eventResource(event))),
        emptyEntryBytes: utf8Length(JSON.stringify(profileEntry(profile, []))),
      };
      sizes.set(event, size);
    }
    return size;
  };
  /** Bytes the body grows by when the event joins the chunk. */
  const growth = (chunk: ChunkInProgress, event: KlaviyoEvent): number => {
    const { profileKey, eventBytes, emptyEntryBytes } = sizeOf(event);
    if (chunk.profiles.has(profileKey)) return eventBytes + 1;
    return emptyEntryBytes + eventBytes + (chunk.profiles.size > 0 ? 1 : 0);
  };

  let queue = withoutExactCopies(events);
  const chunks: KlaviyoEvent[][] = [];
  while (queue.length > 0) {
    const chunk: ChunkInProgress = { events: [], uniqueIds: new Set(), profiles: new Set(), bytes: emptyBodyBytes };
    const waiting: KlaviyoEvent[] = [];
    let next = queue.length;
    for (let i = 0; i < queue.length; i += 1) {
      const event = queue[i] as KlaviyoEvent;
      if (event.uniqueId !== '' && chunk.uniqueIds.has(event.uniqueId)) {
        waiting.push(event);
        continue;
      }
      const bytes = chunk.bytes + growth(chunk, event);
      if (chunk.events.length >= limits.maxEvents || bytes > limits.maxBytes) {
        if (chunk.events.length === 0) {
          throw new BadInputError(`event ${event.uniqueId} makes a ${bytes}-byte bulk request on its own; the limit is ${limits.maxBytes} bytes`);
        }
        next = i;
        break;
      }
      chunk.events.push(event);
      chunk.uniqueIds.add(event.uniqueId);
      chunk.profiles.add(sizeOf(event).profileKey);
      chunk.bytes = bytes;
    }
    chunks.push(chunk.events);
    queue = [...waiting, ...queue.slice(next)];
  }
  return chunks;
}

/** The events without later exact copies of an earlier one (same unique_id and deep-equal), order kept. */
function withoutExactCopies(events: KlaviyoEvent[]): KlaviyoEvent[] {
  const seen = new Map<string, Set<string>>();
  return events.filter((event) => {
    if (event.uniqueId === '') return true;
    const copies = seen.get(event.uniqueId) ?? new Set<string>();
    seen.set(event.uniqueId, copies);
    const text = stableJson(event);
    if (copies.has(text)) return false;
    copies.add(text);
    return true;
  });
}
