// JwksSignatureVerifier against JWKS served on the loopback interface: one fetch for many verifications, one refetch
// for an unknown key id but never two within a minute, key rotation, and what happens when the key set cannot be read
// (SigningKeysUnavailableError, counted as TrackingKeysUnavailable);
// with several key set URLs, keys merged by key id, EC keys ignored, and one URL failing while another answers.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwksSignatureVerifier, rsaKeysOf } from '../../lib/adapters/jwks-signature-verifier.js';
import { SigningKeysUnavailableError, TransientError } from '../../lib/domain/errors.js';
import { RecordingLogger, RecordingServiceMetrics } from '../fakes/in-memory-ports.js';

const keyPair = (): { privateKey: KeyObject; publicKey: KeyObject } => generateKeyPairSync('rsa', { modulusLength: 2048 });
const first = keyPair();
const second = keyPair();

const jwkOf = (kid: string, publicKey: KeyObject): Record<string, unknown> => ({ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' });
const signText = (text: string, privateKey: KeyObject): string => sign('RSA-SHA256', Buffer.from(text), privateKey).toString('base64');

/** A JWKS endpoint whose answer the test sets, recording every request. */
interface JwksServer {
  url: string;
  requests: IncomingHttpHeaders[];
  answer: { status: number; body: unknown };
  close(): Promise<void>;
}

async function startJwksServer(): Promise<JwksServer> {
  const state: Omit<JwksServer, 'url' | 'close'> = { requests: [], answer: { status: 200, body: { keys: [] } } };
  const server: Server = createServer((req, res) => {
    state.requests.push(req.headers);
    const body = typeof state.answer.body === 'string' ? state.answer.body : JSON.stringify(state.answer.body);
    res.writeHead(state.answer.status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/v2/webhook-jwks.json`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

let jwks: JwksServer;
let now: number;

beforeEach(async () => {
  jwks = await startJwksServer();
  jwks.answer = { status: 200, body: { keys: [jwkOf('key-1', first.publicKey)] } };
  now = Date.parse('2026-11-25T16:00:00.000Z');
});

afterEach(async () => {
  await jwks.close();
});

const verifier = (): JwksSignatureVerifier => new JwksSignatureVerifier({ jwksUrls: [jwks.url], timeoutMs: 2000, now: () => new Date(now) });
const signedBy = (keyId: string, privateKey: KeyObject, text = '1795622400.{"resource_type":"TRACK_EVENT_V2"}') => ({
  keyId,
  signature: signText(text, privateKey),
  signedText: text,
});

describe('JwksSignatureVerifier', () => {
  it('fetches the key set once for many verifications within the hour, sending no credentials', async () => {
    // Prepare
    const subject = verifier();

    // Act
    const results: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      now += 60_000 + i;
      results.push(await subject.verify(signedBy('key-1', first.privateKey, `${now}.{"n":${i}}`)));
    }

    // Assess
    expect(results).toEqual(Array(20).fill('valid'));
    expect(jwks.requests).toHaveLength(1);
    expect(jwks.requests[0]?.authorization).toBeUndefined();
    expect(jwks.requests[0]?.cookie).toBeUndefined();
  });

  it('fetches the key set once when many webhooks arrive together at a cold start', async () => {
    // Prepare
    const subject = verifier();

    // Act
    const results = await Promise.all(Array.from({ length: 25 }, () => subject.verify(signedBy('key-1', first.privateKey))));

    // Assess
    expect(new Set(results)).toEqual(new Set(['valid']));
    expect(jwks.requests).toHaveLength(1);
  });

  it('fetches the key set again once the hour has passed', async () => {
    // Prepare
    const subject = verifier();
    await subject.verify(signedBy('key-1', first.privateKey));

    // Act
    now += 60 * 60_000;
    const result = await subject.verify(signedBy('key-1', first.privateKey));

    // Assess
    expect(result).toBe('valid');
    expect(jwks.requests).toHaveLength(2);
  });

  it('answers invalid for a changed text, another key under a published key id, or a signature that is not base64', async () => {
    // Prepare
    const subject = verifier();
    const good = signedBy('key-1', first.privateKey);

    // Act
    const results = [
      await subject.verify({ ...good, signedText: `${good.signedText} ` }),
      await subject.verify(signedBy('key-1', second.privateKey)),
      await subject.verify({ ...good, signature: '%%% not base64 %%%' }),
      await subject.verify({ ...good, signature: '' }),
    ];

    // Assess
    expect(results).toEqual(['invalid', 'invalid', 'invalid', 'invalid']);
    expect(jwks.requests).toHaveLength(1);
  });

  it('refetches once for an unknown key id and answers unknown-key when it is still not published', async () => {
    // Prepare
    const subject = verifier();
    await subject.verify(signedBy('key-1', first.privateKey));
    now += 2 * 60_000;

    // Act
    const result = await subject.verify(signedBy('key-x', second.privateKey));

    // Assess
    expect(result).toBe('unknown-key');
    expect(jwks.requests).toHaveLength(2);
  });

  it('does not refetch more than once a minute, however many unknown key ids arrive: the rest are unknown without asking', async () => {
    // Prepare
    const subject = verifier();
    await subject.verify(signedBy('key-1', first.privateKey));
    now += 2 * 60_000;

    // Act
    const flood = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => subject.verify(signedBy(`random-${i}`, second.privateKey))));
    now += 30_000;
    const sequential: string[] = [];
    for (let i = 0; i < 100; i += 1) sequential.push(await subject.verify(signedBy(`random-later-${i}`, second.privateKey)));
    const fetchesWithinTheMinute = jwks.requests.length;
    now += 31_000;
    const afterAMinute = await subject.verify(signedBy('random-after-a-minute', second.privateKey));

    // Assess: the concurrent flood shared one refetch; every key id met while a refetch is not allowed yet is unknown
    // (401) at once, never an error (a 5xx would make every forgery an internal failure)
    expect(new Set(flood.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected')))).toEqual(new Set(['unknown-key']));
    expect(new Set(sequential)).toEqual(new Set(['unknown-key']));
    expect(fetchesWithinTheMinute).toBe(2);
    expect(afterAMinute).toBe('unknown-key');
    expect(jwks.requests).toHaveLength(3);
  });

  it('accepts a rotated key: a new key id is found after one refetch, and the old one is dropped when unpublished', async () => {
    // Prepare
    const subject = verifier();
    await subject.verify(signedBy('key-1', first.privateKey));
    jwks.answer = { status: 200, body: { keys: [jwkOf('key-2', second.publicKey)] } };
    now += 5 * 60_000;

    // Act
    const rotated = await subject.verify(signedBy('key-2', second.privateKey));
    const again = await subject.verify(signedBy('key-2', second.privateKey));
    now += 61_000;
    const old = await subject.verify(signedBy('key-1', first.privateKey));

    // Assess
    expect([rotated, again, old]).toEqual(['valid', 'valid', 'unknown-key']);
    expect(jwks.requests).toHaveLength(3);
  });

  it('finds a key published seconds after the first fetch: only refetches for unknown key ids are limited to one a minute', async () => {
    // Prepare
    const subject = verifier();
    await subject.verify(signedBy('key-1', first.privateKey));
    jwks.answer = { status: 200, body: { keys: [jwkOf('key-1', first.publicKey), jwkOf('key-2', second.publicKey)] } };
    now += 5_000;

    // Act
    const rotated = await subject.verify(signedBy('key-2', second.privateKey));
    const stillOld = await subject.verify(signedBy('key-1', first.privateKey));

    // Assess
    expect([rotated, stillOld]).toEqual(['valid', 'valid']);
    expect(jwks.requests).toHaveLength(2);
  });

  it('throws a TransientError when the key set cannot be fetched and none was fetched before, and does not ask again within a minute', async () => {
    // Prepare
    const subject = verifier();
    jwks.answer = { status: 503, body: { message: 'unavailable' } };

    // Act
    const firstTry = subject.verify(signedBy('key-1', first.privateKey));
    await expect(firstTry).rejects.toThrow(TransientError);
    now += 10_000;
    const secondTry = subject.verify(signedBy('key-1', first.privateKey));
    await expect(secondTry).rejects.toThrow(TransientError);
    const fetchesWithinTheMinute = jwks.requests.length;
    jwks.answer = { status: 200, body: { keys: [jwkOf('key-1', first.publicKey)] } };
    now += 60_000;
    const recovered = await subject.verify(signedBy('key-1', first.privateKey));

    // Assess
    expect(fetchesWithinTheMinute).toBe(1);
    expect(recovered).toBe('valid');
    expect(jwks.requests).toHaveLength(2);
  });

  it.each([
    ['not JSON', { status: 200, body: '<html>maintenance</html>' }],
    ['a JSON object without keys', { status: 200, body: { message: 'hello' } }],
    ['a key set with no usable RSA key', { status: 200, body: { keys: [{ kty: 'EC', kid: 'ec-1', crv: 'P-256', x: 'AA', y: 'AA' }] } }],
  ])('throws a TransientError when the first answer is %s', async (_case, answer) => {
    // Prepare
    const subject = verifier();
    jwks.answer = answer;

    // Act
    const result = subject.verify(signedBy('key-1', first.privateKey));

    // Assess
    await expect(result).rejects.toThrow(TransientError);
  });

  it('keeps verifying with the keys it has when a later fetch fails', async () => {
    // Prepare
    const subject = verifier();
    await subject.verify(signedBy('key-1', first.privateKey));
    jwks.answer = { status: 500, body: 'oops' };
    now += 61 * 60_000;

    // Act
    const stale = await subject.verify(signedBy('key-1', first.privateKey));
    const unknown = await subject.verify(signedBy('key-9', second.privateKey));

    // Assess
    expect([stale, unknown]).toEqual(['valid', 'unknown-key']);
    expect(jwks.requests).toHaveLength(2);
  });

  it('counts each fetch round that gives no usable key (TrackingKeysUnavailable), says once why when no key is held, and logs one line when it keeps stale keys', async () => {
    // Prepare
    const metrics = new RecordingServiceMetrics();
    const log = new RecordingLogger();
    const subject = new JwksSignatureVerifier({ jwksUrls: [jwks.url], timeoutMs: 2000, now: () => new Date(now), metrics, log });
    jwks.answer = { status: 503, body: { message: 'unavailable' } };

    // Act
    const firstFailure = await subject.verify(signedBy('key-1', first.privateKey)).catch((error: unknown) => error);
    now += 10_000;
    const withinTheMinute = await subject.verify(signedBy('key-1', first.privateKey)).catch((error: unknown) => error);
    const countedWhileNoKeys = metrics.totals.get('TrackingKeysUnavailable');
    jwks.answer = { status: 200, body: { keys: [jwkOf('key-1', first.publicKey)] } };
    now += 60_000;
    const recovered = await subject.verify(signedBy('key-1', first.privateKey));
    jwks.answer = { status: 200, body: { keys: [{ kty: 'EC', kid: 'ec-1', crv: 'P-256', x: 'AA', y: 'AA' }] } };
    now += 61 * 60_000;
    const stale = await subject.verify(signedBy('key-1', first.privateKey));

    // Assess: the fetch that failed is `attempted`, the webhook refused while it is not retried yet is not
    expect(firstFailure).toBeInstanceOf(SigningKeysUnavailableError);
    expect((firstFailure as SigningKeysUnavailableError).attempted).toBe(true);
    expect(withinTheMinute).toBeInstanceOf(SigningKeysUnavailableError);
    expect((withinTheMinute as SigningKeysUnavailableError).attempted).toBe(false);
    expect(countedWhileNoKeys).toBe(1);
    expect([recovered, stale]).toEqual(['valid', 'valid']);
    expect(metrics.totals.get('TrackingKeysUnavailable')).toBe(2);
    expect(log.messages('warn')).toEqual(['webhook signing keys not refreshed; verifying with the keys fetched before']);
    expect(log.entries[0]?.data.problem).toMatch(/answered a key set with no usable RSA key/);
  });

  it('does not follow a redirect: only the configured URL decides which keys are trusted', async () => {
    // Prepare
    const elsewhere = await startJwksServer();
    elsewhere.answer = { status: 200, body: { keys: [jwkOf('key-1', first.publicKey)] } };
    const redirecting = createServer((_req, res) => res.writeHead(302, { location: elsewhere.url }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', () => resolve()));
    const { port } = redirecting.address() as AddressInfo;
    const subject = new JwksSignatureVerifier({ jwksUrls: [`http://127.0.0.1:${port}/jwks`], timeoutMs: 2000, now: () => new Date(now) });

    // Act
    const result = subject.verify(signedBy('key-1', first.privateKey));

    // Assess
    await expect(result).rejects.toThrow(TransientError);
    expect(elsewhere.requests).toHaveLength(0);
    await new Promise<void>((resolve) => redirecting.close(() => resolve()));
    await elsewhere.close();
  });

  it('throws a TransientError when the server cannot be reached', async () => {
    // Prepare
    await jwks.close();
    const subject = verifier();

    // Act
    const result = subject.verify(signedBy('key-1', first.privateKey));

    // Assess
    await expect(result).rejects.toThrow(/fetching the webhook signing keys failed/);
    jwks = await startJwksServer();
  });
});

describe('JwksSignatureVerifier with several key sets', () => {
  const ecKey = (kid: string): Record<string, unknown> => ({
    ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
    kid,
    use: 'sig',
    alg: 'ES256',
  });
  let other: JwksServer;

  beforeEach(async () => {
    other = await startJwksServer();
  });

  afterEach(async () => {
    await other.close();
  });

  const verifierOf = (...urls: string[]): JwksSignatureVerifier => new JwksSignatureVerifier({ jwksUrls: urls, timeoutMs: 2000, now: () => new Date(now) });

  it('verifies with the RSA key when the key set lists an EC key before it', async () => {
    // Prepare
    jwks.answer = { status: 200, body: { keys: [ecKey('ec-1'), jwkOf('key-1', first.publicKey)] } };
    const subject = verifierOf(jwks.url);

    // Act
    const valid = await subject.verify(signedBy('key-1', first.privateKey));
    const underTheEcKid = await subject.verify(signedBy('ec-1', first.privateKey));

    // Assess: the EC key id is not a signing key this verifier trusts, after one refetch like any unknown id
    expect([valid, underTheEcKid]).toEqual(['valid', 'unknown-key']);
  });

  it('is no error when one URL publishes only an EC key while the other has the RSA key', async () => {
    // Prepare
    jwks.answer = { status: 200, body: { keys: [ecKey('ec-1')] } };
    other.answer = { status: 200, body: { keys: [jwkOf('key-1', first.publicKey)] } };
    const subject = verifierOf(jwks.url, other.url);

    // Act
    const result = await subject.verify(signedBy('key-1', first.privateKey));

    // Assess
    expect(result).toBe('valid');
    expect([jwks.requests.length, other.requests.length]).toEqual([1, 1]);
  });

  it.each([
    ['answers 503', { status: 503, body: { message: 'unavailable' } }],
    ['answers something that is not JSON', { status: 200, body: '<html>maintenance</html>' }],
    ['answers JSON that is not a key set', { status: 200, body: { message: 'hello' } }],
  ])("verifies with the other URL's keys when the first %s", async (_case, answer) => {
    // Prepare
    jwks.answer = answer;
    other.answer = { status: 200, body: { keys: [jwkOf('key-2', second.publicKey)] } };
    const subject = verifierOf(jwks.url, other.url);

    // Act
    const result = await subject.verify(signedBy('key-2', second.privateKey));

    // Assess
    expect(result).toBe('valid');
  });

  it("verifies with the first URL's keys when the second cannot be reached", async () => {
    // Prepare
    await other.close();
    const subject = verifierOf(jwks.url, other.url);

    // Act
    const result = await subject.verify(signedBy('key-1', first.privateKey));

    // Assess
    expect(result).toBe('valid');
    other = await startJwksServer();
  });

  it('merges the keys of every URL by key id, the first URL winning a key id both publish', async () => {
    // Prepare
    jwks.answer = { status: 200, body: { keys: [jwkOf('shared', first.publicKey), jwkOf('only-first', first.publicKey)] } };
    other.answer = { status: 200, body: { keys: [jwkOf('shared', second.publicKey), jwkOf('only-second', second.publicKey)] } };
    const subject = verifierOf(jwks.url, other.url);

    // Act
    const results = [
      await subject.verify(signedBy('shared', first.privateKey)),
      await subject.verify(signedBy('shared', second.privateKey)),
      await subject.verify(signedBy('only-first', first.privateKey)),
      await subject.verify(signedBy('only-second', second.privateKey)),
    ];

    // Assess: all from one round of fetches
    expect(results).toEqual(['valid', 'invalid', 'valid', 'valid']);
    expect([jwks.requests.length, other.requests.length]).toEqual([1, 1]);
  });

  it("keeps a URL's keys from its last good answer when it fails later while the other answers", async () => {
    // Prepare
    other.answer = { status: 200, body: { keys: [jwkOf('key-2', second.publicKey)] } };
    const subject = verifierOf(jwks.url, other.url);
    await subject.verify(signedBy('key-1', first.privateKey));
    jwks.answer = { status: 500, body: 'oops' };
    now += 61 * 60_000;

    // Act
    const stale = await subject.verify(signedBy('key-1', first.privateKey));
    const fresh = await subject.verify(signedBy('key-2', second.privateKey));

    // Assess
    expect([stale, fresh]).toEqual(['valid', 'valid']);
    expect([jwks.requests.length, other.requests.length]).toEqual([2, 2]);
  });

  it("throws a TransientError naming each URL's problem when no URL gives a usable RSA key", async () => {
    // Prepare
    jwks.answer = { status: 503, body: { message: 'unavailable' } };
    other.answer = { status: 200, body: { keys: [ecKey('ec-1')] } };
    const subject = verifierOf(jwks.url, other.url);

    // Act
    const result = subject.verify(signedBy('key-1', first.privateKey));

    // Assess
    await expect(result).rejects.toThrow(TransientError);
    await expect(result).rejects.toThrow(
      `fetching the webhook signing keys failed: ${jwks.url} answered 503; ${other.url} answered a key set with no usable RSA key`,
    );
  });

  it('reports for each URL what it holds, fetched afresh, without throwing (doctor)', async () => {
    // Prepare
    jwks.answer = { status: 200, body: { keys: [ecKey('ec-1'), jwkOf('key-1', first.publicKey), jwkOf('key-2', second.publicKey)] } };
    other.answer = { status: 200, body: { keys: [ecKey('ec-2')] } };
    const down = await startJwksServer();
    await down.close();
    const failing = await startJwksServer();
    failing.answer = { status: 404, body: { message: 'not found' } };
    const subject = verifierOf(jwks.url, other.url, down.url, failing.url);
    await subject.verify(signedBy('key-1', first.privateKey));

    // Act
    const checks = await subject.checkKeySets();
    await failing.close();

    // Assess
    expect(checks).toEqual([
      { url: jwks.url, ok: true, rsaKeys: 2, otherKeys: 1 },
      { url: other.url, ok: false, rsaKeys: 0, otherKeys: 1, problem: 'holds no usable RSA signing key' },
      { url: down.url, ok: false, rsaKeys: 0, otherKeys: 0, problem: expect.stringMatching(/^fetch failed \(.*ECONNREFUSED.*\)$/) },
      { url: failing.url, ok: false, rsaKeys: 0, otherKeys: 0, problem: 'answered 404' },
    ]);
    expect(jwks.requests).toHaveLength(2);
  });
});

describe('rsaKeysOf', () => {
  it('keeps the RSA signing keys and skips other, short, encryption and malformed entries', () => {
    // Prepare
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const document = {
      keys: [
        jwkOf('good', first.publicKey),
        { ...jwkOf('no-use', second.publicKey), use: undefined },
        { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec' },
        jwkOf('short', short.publicKey),
        { ...jwkOf('enc', first.publicKey), use: 'enc' },
        { kty: 'RSA', kid: 'broken', n: '!!', e: 'AQAB' },
        { kty: 'RSA', n: 'AQAB', e: 'AQAB' },
        'not an object',
      ],
    };

    // Act
    const keys = rsaKeysOf(document);

    // Assess
    expect([...keys.keys()].sort()).toEqual(['good', 'no-use']);
  });
});
