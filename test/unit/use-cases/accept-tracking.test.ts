// acceptTracking against in-memory ports and a real RSA key pair: the signature before anything else (missing headers
// 404, as ShipStation's validation guide says), the timestamp window, the token, the body (TRACK_EVENT_V2 and ShipEngine's
// API_TRACK), and that nothing is enqueued unless every check passed.
import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { BadInputError, SignatureRejectedError, TransientError, UnauthorizedError } from '../../../lib/domain/errors.js';
import { trackingUpdateSchema } from '../../../lib/domain/tracking.js';
import type { KeySetCheck, SignatureCheck, WebhookSignatureVerifier } from '../../../lib/ports.js';
import { makeAcceptTracking, signedTimestampMs, type AcceptTrackingInput } from '../../../lib/use-cases/accept-tracking.js';
import { FakeClock, fakeAccount, InMemoryNotificationQueue, InMemoryUpdateQueue, StaticAccountDirectory } from '../../fakes/in-memory-ports.js';

const TOKEN = 'a-webhook-token-of-32-characters';
const KID = 'se-key-1';
const NOW = '2026-11-25T16:00:00.000Z';

const publishedKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Verifies with real RSA keys held in memory, as the JWKS adapter would once it has fetched them. */
class KeyPairVerifier implements WebhookSignatureVerifier {
  readonly calls: { keyId: string; signedText: string }[] = [];
  failWith: Error | undefined;

  constructor(private readonly keys: Map<string, KeyObject>) {}

  async verify(input: { keyId: string; signature: string; signedText: string }): Promise<SignatureCheck> {
    this.calls.push({ keyId: input.keyId, signedText: input.signedText });
    if (this.failWith !== undefined) throw this.failWith;
    const key = this.keys.get(input.keyId);
    if (key === undefined) return 'unknown-key';
    return verify('RSA-SHA256', Buffer.from(input.signedText), key, Buffer.from(input.signature, 'base64')) ? 'valid' : 'invalid';
  }

  async checkKeySets(): Promise<KeySetCheck[]> {
    return [{ url: 'memory:', ok: this.keys.size > 0, rsaKeys: this.keys.size, otherKeys: 0 }];
  }
}

const trackBody = (): string => JSON.parse(readFileSync(new URL('../../../events/receive-tracking/track-event.json', import.meta.url), 'utf8')).body as string;

/** A recorded ShipEngine API_TRACK webhook body (test/fixtures/shipstation/SOURCES.md), exactly as it was sent. */
const apiTrackBody = (): string => readFileSync(new URL('../../fixtures/shipstation/v2/api_track_usps_DE_2019_moltin.json', import.meta.url), 'utf8');

const signWith = (privateKey: KeyObject, timestamp: string, rawBody: string): string =>
  sign('RSA-SHA256', Buffer.from(`${timestamp}.${rawBody}`), privateKey).toString('base64');

/** A request signed by the published key at `timestamp` (the clock's now unless given). */
function signed(
  rawBody = trackBody(),
  options: { timestamp?: string; privateKey?: KeyObject; keyId?: string; token?: string; accountId?: string } = {},
): AcceptTrackingInput {
  const timestamp = options.timestamp ?? NOW;
  return {
    accountId: options.accountId ?? 'default',
    token: options.token ?? TOKEN,
    headers: { keyId: options.keyId ?? KID, signature: signWith(options.privateKey ?? publishedKeys.privateKey, timestamp, rawBody), timestamp },
    rawBody,
  };
}

function setup() {
  const clock = new FakeClock(NOW);
  const updates = new InMemoryUpdateQueue();
  const notifications = new InMemoryNotificationQueue();
  const verifier = new KeyPairVerifier(new Map([[KID, publishedKeys.publicKey]]));
  const accept = makeAcceptTracking({ accounts: new StaticAccountDirectory([fakeAccount({ webhookToken: TOKEN })]), verifier, updates, notifications, clock });
  return { clock, updates, notifications, verifier, accept };
}

/** The error a rejected call threw. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('acceptTracking', () => {
  it('enqueues one tracking update for a correctly signed TRACK_EVENT_V2', async () => {
    // Prepare
    const { accept, updates, clock } = setup();
    clock.set('2026-11-25T16:00:30.000Z');

    // Act
    const result = await accept(signed());

    // Assess
    expect(result).toEqual({ status: 'queued' });
    expect(updates.tracking).toHaveLength(1);
    const [{ message, delaySeconds }] = updates.tracking as [{ message: unknown; delaySeconds?: number }];
    expect(trackingUpdateSchema.parse(message)).toMatchObject({
      kind: 'tracking',
      accountId: 'default',
      trackingNumber: '1Z999AA10123456784',
      carrierCode: 'ups',
      labelId: 'se-1234567890',
      statusCode: 'IT',
      receivedAt: '2026-11-25T16:00:30.000Z',
    });
    expect(delaySeconds).toBeUndefined();
    expect(updates.snapshots).toEqual([]);
  });

  it('enqueues a signed ShipEngine API_TRACK, reading its scans from event_date', async () => {
    // Prepare
    const { accept, updates, clock } = setup();
    const rawBody = apiTrackBody();

    // Act
    const result = await accept(signed(rawBody));

    // Assess
    expect(result).toEqual({ status: 'queued' });
    const [{ message }] = updates.tracking as [{ message: unknown }];
    const update = trackingUpdateSchema.parse(message);
    expect(update).toMatchObject({
      kind: 'tracking',
      accountId: 'default',
      trackingNumber: '9361269903502070406152',
      statusCode: 'DE',
      receivedAt: clock.now().toISOString(),
    });
    expect(update.labelId).toBeUndefined();
    expect(update.scans).toEqual([
      {
        occurredAt: '2019-04-12T17:45:26.734Z',
        description: 'Delivered, Individual Picked Up at Post Office',
        city: 'AUSTIN',
        region: 'TX',
        postalCode: '78721',
      },
    ]);
  });

  it('verifies the text `${timestamp}.${rawBody}` exactly as received', async () => {
    // Prepare
    const { accept, verifier } = setup();
    const rawBody = `  ${trackBody()}\n`;

    // Act
    await accept(signed(rawBody));

    // Assess
    expect(verifier.calls).toEqual([{ keyId: KID, signedText: `${NOW}.${rawBody}` }]);
  });

  it.each([
    ['the key id', { keyId: undefined }, /^missing signature header x-shipengine-rsa-sha256-key-id$/],
    ['the signature', { signature: '' }, /^missing signature header x-shipengine-rsa-sha256-signature$/],
    ['the timestamp', { timestamp: '   ' }, /^missing signature header x-shipengine-timestamp$/],
    [
      'all three',
      { keyId: undefined, signature: undefined, timestamp: undefined },
      /^missing signature headers x-shipengine-rsa-sha256-key-id, x-shipengine-rsa-sha256-signature, x-shipengine-timestamp$/,
    ],
  ])('refuses a request without %s with 404 naming what is missing, before looking at the token or body', async (_case, headers, reason) => {
    // Prepare
    const { accept, updates, verifier } = setup();
    const input = signed('{not json', { token: 'wrong-token' });

    // Act
    const error = await rejection(accept({ ...input, headers: { ...input.headers, ...headers } }));

    // Assess
    expect(error).toBeInstanceOf(SignatureRejectedError);
    expect(error).toMatchObject({ status: 404 });
    expect(error.message).toMatch(reason);
    expect(verifier.calls).toEqual([]);
    expect(updates.tracking).toEqual([]);
  });

  it.each([
    ['6 minutes old (a replay)', '2026-11-25T15:54:00.000Z', /is 360 s in the past/],
    ['6 minutes ahead', '2026-11-25T16:06:00.000Z', /is 360 s in the future/],
    ['not a time', 'yesterday', /not a readable time/],
  ])('refuses a timestamp %s with 400 and the skew, without verifying', async (_case, timestamp, reason) => {
    // Prepare
    const { accept, updates, verifier } = setup();

    // Act
    const error = await rejection(accept(signed(trackBody(), { timestamp })));

    // Assess
    expect(error).toBeInstanceOf(SignatureRejectedError);
    expect(error).toMatchObject({ status: 400 });
    expect(error.message).toMatch(reason);
    expect(verifier.calls).toEqual([]);
    expect(updates.tracking).toEqual([]);
  });

  it.each([
    ['4 min 59 s old', '2026-11-25T15:55:01.000Z'],
    ['4 min 59 s ahead', '2026-11-25T16:04:59.000Z'],
    ['given in Unix seconds', String(Date.parse(NOW) / 1000 - 30)],
  ])('accepts a timestamp %s', async (_case, timestamp) => {
    // Prepare
    const { accept, updates } = setup();

    // Act
    const result = await accept(signed(trackBody(), { timestamp }));

    // Assess
    expect(result).toEqual({ status: 'queued' });
    expect(updates.tracking).toHaveLength(1);
  });

  it('refuses a body changed after signing with 401 "signature does not match the body"', async () => {
    // Prepare
    const { accept, updates } = setup();
    const input = signed();

    // Act
    const error = await rejection(accept({ ...input, rawBody: input.rawBody.replace('"IT"', '"DE"') }));

    // Assess
    expect(error).toBeInstanceOf(SignatureRejectedError);
    expect(error).toMatchObject({ status: 401, reason: 'signature does not match the body' });
    expect(updates.tracking).toEqual([]);
  });

  it('refuses a signature made by another key under the published key id with 401', async () => {
    // Prepare
    const { accept, updates } = setup();

    // Act
    const error = await rejection(accept(signed(trackBody(), { privateKey: strangerKeys.privateKey })));

    // Assess
    expect(error).toMatchObject({ status: 401, reason: 'signature does not match the body' });
    expect(updates.tracking).toEqual([]);
  });

  it('refuses a key id that is not published with 401 naming it', async () => {
    // Prepare
    const { accept, updates } = setup();

    // Act
    const error = await rejection(accept(signed(trackBody(), { keyId: 'se-key-forged', privateKey: strangerKeys.privateKey })));

    // Assess
    expect(error).toMatchObject({ status: 401, reason: "signing key se-key-forged is not one of ShipStation's published keys" });
    expect(updates.tracking).toEqual([]);
  });

  it('lets a TransientError from the verifier through, so the webhook is answered 5xx and retried', async () => {
    // Prepare
    const { accept, updates, verifier } = setup();
    verifier.failWith = new TransientError('JWKS unreachable');

    // Act
    const error = await rejection(accept(signed()));

    // Assess
    expect(error).toBeInstanceOf(TransientError);
    expect(updates.tracking).toEqual([]);
  });

  it.each([
    ['a wrong token', { token: 'not-the-token' }],
    ['an unknown account', { accountId: 'nobody' }],
  ])('refuses %s with UnauthorizedError after a valid signature, even when the body is malformed', async (_case, overrides) => {
    // Prepare
    const { accept, updates } = setup();

    // Act
    const error = await rejection(accept(signed('{not json', overrides)));

    // Assess
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.message).toBe('unauthorized');
    expect(updates.tracking).toEqual([]);
  });

  it.each([
    ['an empty body', '', /empty/],
    ['a body that is not JSON', 'resource_type=TRACK_EVENT_V2', /not valid JSON/],
    ['a JSON array', '[]', /resource_type/],
    ['a tracking event without a tracking number', JSON.stringify({ resource_type: 'TRACK_EVENT_V2', data: { status_code: 'IT' } }), /tracking_number/],
    ['a tracking event without data', JSON.stringify({ resource_type: 'TRACK_EVENT_V2' }), /no data object/],
  ])('refuses %s with a BadInputError giving the reason', async (_case, rawBody, reason) => {
    // Prepare
    const { accept, updates } = setup();

    // Act
    const error = await rejection(accept(signed(rawBody)));

    // Assess
    expect(error).toBeInstanceOf(BadInputError);
    expect(error.message).toMatch(reason);
    expect(updates.tracking).toEqual([]);
  });

  it('acknowledges and ignores a signed V2 webhook that is not a tracking event', async () => {
    // Prepare
    const { accept, updates } = setup();
    const rawBody = JSON.stringify({ resource_url: 'https://api.shipstation.com/v2/batches/se-1', resource_type: 'BATCH_PROCESSED_V2' });

    // Act
    const result = await accept(signed(rawBody));

    // Assess
    expect(result).toEqual({ status: 'ignored', reason: 'resource_type BATCH_PROCESSED_V2 is not a tracking event' });
    expect(updates.tracking).toEqual([]);
  });
});

describe('signedTimestampMs', () => {
  it.each([
    ['an ISO instant', '2026-11-25T16:00:00.000Z', Date.parse('2026-11-25T16:00:00.000Z')],
    ['an ISO instant with an offset', '2026-11-25T08:00:00-08:00', Date.parse('2026-11-25T16:00:00.000Z')],
    ['Unix seconds', '1795622400', 1795622400000],
    ['Unix milliseconds', '1795622400123', 1795622400123],
    ['words', 'now', undefined],
    ['a bare date-like number with signs', '-1795622400', undefined],
  ])('reads %s', (_case, raw, expected) => {
    // Act
    const ms = signedTimestampMs(raw);

    // Assess
    expect(ms).toBe(expected);
  });
});

describe('acceptTracking, fuzzed', () => {
  it('enqueues nothing for any change to a signed body, signature or timestamp (1,000 generated tamperings)', async () => {
    // Prepare
    const { accept, updates } = setup();
    const good = signed();

    // Act / Assess
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // one byte of the body changed, inserted or removed
          fc.record({ part: fc.constant('body' as const), at: fc.nat(), char: fc.string({ minLength: 0, maxLength: 2 }), drop: fc.boolean() }),
          fc.record({ part: fc.constant('signature' as const), at: fc.nat(), char: fc.string({ minLength: 0, maxLength: 2 }), drop: fc.boolean() }),
          fc.record({ part: fc.constant('timestamp' as const), at: fc.nat(), char: fc.string({ minLength: 0, maxLength: 2 }), drop: fc.boolean() }),
        ),
        async ({ part, at, char, drop }) => {
          const value = part === 'body' ? good.rawBody : part === 'signature' ? (good.headers.signature ?? '') : (good.headers.timestamp ?? '');
          const i = at % (value.length + 1);
          const changed = `${value.slice(0, i)}${char}${value.slice(drop ? i + 1 : i)}`;
          fc.pre(changed !== value);
          const input: AcceptTrackingInput = part === 'body' ? { ...good, rawBody: changed } : { ...good, headers: { ...good.headers, [part]: changed } };
          const before = updates.tracking.length;
          let accepted = false;
          try {
            accepted = (await accept(input)).status === 'queued';
          } catch (error) {
            if (!(error instanceof SignatureRejectedError || error instanceof BadInputError)) throw error;
          }
          // A base64 signature can change in its padding and still decode to the same bytes: then it is the same signature.
          const sameSignature = part === 'signature' && Buffer.from(changed, 'base64').equals(Buffer.from(value, 'base64'));
          if (!sameSignature) {
            expect(accepted).toBe(false);
            expect(updates.tracking.length).toBe(before);
          }
        },
      ),
      { numRuns: 1_000, seed: 70_007 },
    );
  });
});

/** A captured V2 pointer webhook body (test/fixtures/shipstation/SOURCES.md), without the capture's own `_captured_at` key. */
const pointerBody = (path: string): string => {
  const body = JSON.parse(readFileSync(new URL(`../../fixtures/shipstation/${path}`, import.meta.url), 'utf8')) as Record<string, unknown>;
  delete body._captured_at;
  return JSON.stringify(body);
};

describe('acceptTracking with V2 pointer webhooks', () => {
  it.each([
    ['SHIPMENT_CREATED_V2', 'v2/shipment_created_v2_webhook_pmcgee.json'],
    ['LABEL_CREATED_V2', 'v2/label_created_v2_webhook_pmcgee.json'],
    ['FULFILLMENT_SHIPPED_V2', 'pmcgee-personal/fulfillment_shipped_v2_webhook.json'],
  ])('queues a signed captured %s for fetch-resource, as sent', async (type, path) => {
    // Prepare
    const { accept, notifications, updates } = setup();
    const rawBody = pointerBody(path);

    // Act
    const result = await accept(signed(rawBody));

    // Assess
    expect(result).toEqual({ status: 'queued' });
    const { resource_url: url } = JSON.parse(rawBody) as { resource_url: string };
    expect(notifications.messages).toEqual([{ accountId: 'default', resourceUrl: url, resourceType: type, receivedAt: NOW }]);
    expect(updates.tracking).toEqual([]);
  });

  it('refuses a pointer webhook with a bad signature before reading it: nothing queued', async () => {
    // Prepare: signed by a key ShipStation does not publish under the published key id
    const { accept, notifications } = setup();
    const rawBody = pointerBody('v2/label_created_v2_webhook_pmcgee.json');

    // Act
    const error = await rejection(accept(signed(rawBody, { privateKey: strangerKeys.privateKey })));

    // Assess
    expect(error).toBeInstanceOf(SignatureRejectedError);
    expect((error as SignatureRejectedError).status).toBe(401);
    expect(notifications.messages).toEqual([]);
  });

  it.each([
    ['another host', 'https://evil.example.com/v2/labels?batch_id=se-1', 'resource_url is not on a ShipStation API host'],
    [
      'another path',
      'https://api.shipstation.com/v2/shipments?batch_id=se-1',
      'resource_url of LABEL_CREATED_V2 must be /v2/labels?batch_id=…, not another path',
    ],
    ['no batch', 'https://api.shipstation.com/v2/labels', 'resource_url of LABEL_CREATED_V2 must name its batch: /v2/labels?batch_id=…'],
    [
      'a page size',
      'https://api.shipstation.com/v2/labels?batch_id=se-1&page_size=500',
      'resource_url of LABEL_CREATED_V2 may carry only batch_id, not page_size',
    ],
  ])('refuses a signed LABEL_CREATED_V2 naming %s, with the rule, and queues nothing', async (_case, url, reason) => {
    // Prepare
    const { accept, notifications } = setup();
    const rawBody = JSON.stringify({ resource_url: url, resource_type: 'LABEL_CREATED_V2' });

    // Act
    const error = await rejection(accept(signed(rawBody)));

    // Assess
    expect(error).toBeInstanceOf(BadInputError);
    expect(error.message).toBe(reason);
    expect(notifications.messages).toEqual([]);
  });
});
