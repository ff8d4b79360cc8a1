// WebhookSignatureVerifier over ShipStation's published key sets (fetch): every configured JWKS URL is fetched and their
// RSA keys merged by key id, cached for an hour, refetched once for a key id the cache lacks (a rotation) but at most
// once a minute, so a flood of made-up key ids is not a flood of fetches (the ids met in between are unknown keys). One
// URL failing is fine while another gives usable keys; a fetch round that gives none counts TrackingKeysUnavailable.
// The key sets are public: no credential is sent, and redirects are refused so only the configured hosts decide the keys.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import * as z from '../domain/zod.js';
import { SigningKeysUnavailableError } from '../domain/errors.js';
import type { KeySetCheck, ServiceMetrics, SignatureCheck, WebhookSignatureVerifier } from '../ports.js';

export interface JwksSignatureVerifierOptions {
  /**
   * Where the key sets are published (config.trackingJwksUrls), in order of trust: when two publish the same key id,
   * the earlier URL's key is used.
   */
  jwksUrls: readonly string[];
  /** Timeout of one JWKS request (config.httpTimeoutMs); the URLs are fetched at the same time. */
  timeoutMs: number;
  /** The clock the cache is timed with. */
  now?: () => Date;
  /** How long a fetched key set is used before it is fetched again (default 1 hour). */
  cacheMs?: number;
  /** The least time between two fetches that are not due to an expired cache (default 60 s). */
  minRefetchIntervalMs?: number;
  /** Counts each fetch round that gave no usable RSA key (the TrackingKeysUnavailable alarm). */
  metrics?: Pick<ServiceMetrics, 'trackingKeysUnavailable'>;
  /** Says, in one line, that a refresh failed while the keys fetched before still verify. */
  log?: { warn(message: string, data: Record<string, unknown>): void };
}

const DEFAULT_CACHE_MS = 60 * 60_000;
const DEFAULT_MIN_REFETCH_INTERVAL_MS = 60_000;
/** A key set is a few kilobytes; anything far bigger is not one. */
const MAX_JWKS_BYTES = 512 * 1024;
/** Keys shorter than this are not trusted, whoever publishes them. */
const MIN_RSA_BITS = 2048;

const jwksSchema = z.object({ keys: z.array(z.unknown()) });
const rsaJwkSchema = z.object({
  kid: z.string().check(z.minLength(1)),
  kty: z.literal('RSA'),
  n: z.string().check(z.minLength(1)),
  e: z.string().check(z.minLength(1)),
  use: z.optional(z.string()),
});

/** The usable RSA signing keys of a key set, by key id; non-RSA, short, encryption or malformed entries are skipped. */
export function rsaKeysOf(document: unknown): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  const parsed = jwksSchema.safeParse(document);
  if (!parsed.success) return keys;
  for (const entry of parsed.data.keys) {
    const jwk = rsaJwkSchema.safeParse(entry);
    if (!jwk.success) continue;
    // An encryption key is not a signing key; `alg` is not checked (publishers spell it differently).
    if (jwk.data.use === 'enc') continue;
    try {
      // Only the public members: a JWK that also carries `d` must still yield a public key.
      const key = createPublicKey({ key: { kty: 'RSA', n: jwk.data.n, e: jwk.data.e }, format: 'jwk' });
      if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) continue;
      keys.set(jwk.data.kid, key);
    } catch {
      // A malformed key is skipped; the others still verify.
    }
  }
  return keys;
}

/** What one URL published: its usable RSA signing keys, and how many other entries (EC keys and the like) it holds. */
interface KeySet {
  rsa: Map<string, KeyObject>;
  otherKeys: number;
}

const messageOf = (value: unknown): string | undefined =>
  typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string'
    ? (value as { message: string }).message
    : undefined;

/**
 * An error's message, with the network cause `fetch` hides behind "fetch failed". Duck-typed: fetch's errors may come
 * from another realm (a test runner's), where `instanceof Error` is false.
 */
const problemOf = (error: unknown): string => {
  const message = messageOf(error) ?? String(error);
  const cause = typeof error === 'object' && error !== null ? messageOf((error as { cause?: unknown }).cause) : undefined;
  return cause === undefined ? message : `${message} (${cause})`;
};

export class JwksSignatureVerifier implements WebhookSignatureVerifier {
  /** The keys of every URL merged by key id, the earlier URL's key winning a clash. */
  private keys = new Map<string, KeyObject>();
  /** Each URL's keys at its last usable answer: a URL failing later keeps its (stale) keys while another answers. */
  private readonly keysByUrl = new Map<string, Map<string, KeyObject>>();
  /** When the cached keys were fetched (epoch ms); undefined before the first fetch that gave a usable key. */
  private fetchedAt: number | undefined;
  /** When a fetch last failed (epoch ms): no new attempt for a minute after it. */
  private failedAt: number | undefined;
  /** When an unknown key id last caused a refetch (epoch ms): at most one such refetch a minute. */
  private unknownKeyRefetchAt: number | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly now: () => Date;
  private readonly cacheMs: number;
  private readonly minRefetchIntervalMs: number;

  constructor(private readonly options: JwksSignatureVerifierOptions) {
    this.now = options.now ?? (() => new Date());
    this.cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
    this.minRefetchIntervalMs = options.minRefetchIntervalMs ?? DEFAULT_MIN_REFETCH_INTERVAL_MS;
  }

  async verify(input: { keyId: string; signature: string; signedText: string }): Promise<SignatureCheck> {
    const key = await this.keyFor(input.keyId);
    if (key === undefined) return 'unknown-key';
    try {
      return verify('RSA-SHA256', Buffer.from(input.signedText, 'utf8'), key, Buffer.from(input.signature, 'base64')) ? 'valid' : 'invalid';
    } catch {
      return 'invalid';
    }
  }

  /**
   * Fetches every key set afresh, bypassing the cache, and says what each holds (`doctor`). Never throws: a URL that
   * cannot be fetched, or holds no usable RSA key, is `ok: false` with the problem.
   */
  async checkKeySets(): Promise<KeySetCheck[]> {
    return Promise.all(
      this.options.jwksUrls.map(async (url): Promise<KeySetCheck> => {
        try {
          const { rsa, otherKeys } = await this.fetchKeySet(url);
          if (rsa.size === 0) return { url, ok: false, rsaKeys: 0, otherKeys, problem: 'holds no usable RSA signing key' };
          return { url, ok: true, rsaKeys: rsa.size, otherKeys };
        } catch (error) {
          return { url, ok: false, rsaKeys: 0, otherKeys: 0, problem: problemOf(error) };
        }
      }),
    );
  }

  /**
   * The key for a key id: from the cache while it is fresh; an expired or empty cache is fetched first; a key id the
   * fresh cache lacks (a rotation, or a forgery) triggers one refetch, unless another one did less than a minute ago:
   * then the key id is unknown without asking, so made-up key ids cost one fetch a minute at most, never one each.
   * @throws SigningKeysUnavailableError when there are no keys and they cannot be fetched now
   */
  private async keyFor(keyId: string): Promise<KeyObject | undefined> {
    const now = this.now().getTime();
    const fresh = this.fetchedAt !== undefined && now - this.fetchedAt < this.cacheMs;
    if (!fresh) {
      await this.refresh(now);
      return this.keys.get(keyId);
    }
    const cached = this.keys.get(keyId);
    if (cached !== undefined) return cached;
    if (this.inFlight !== undefined) {
      await this.inFlight.catch(() => undefined);
    } else if (this.unknownKeyRefetchAt === undefined || now - this.unknownKeyRefetchAt >= this.minRefetchIntervalMs) {
      this.unknownKeyRefetchAt = now;
      await this.refresh(now);
    }
    // Not asked again within the minute: unknown (401). A key ShipStation published within that same minute is found by
    // the next refetch; until then its webhooks are refused like a forger's (counted, see the signature alarm).
    return this.keys.get(keyId);
  }

  /**
   * Fetches the key sets, one round at a time. A round in which no URL gives a usable key keeps the keys already held
   * (stale ones too) and is not retried for a minute; with no keys at all it throws SigningKeysUnavailableError.
   */
  private async refresh(now: number): Promise<void> {
    const started = this.inFlight === undefined;
    if (this.inFlight === undefined) {
      const failedRecently = this.failedAt !== undefined && now - this.failedAt < this.minRefetchIntervalMs;
      if (failedRecently) {
        if (this.keys.size > 0) return;
        throw new SigningKeysUnavailableError('the webhook signing keys could not be fetched a moment ago; not asking again yet', false);
      }
      this.inFlight = this.fetchKeys(now).finally(() => {
        this.inFlight = undefined;
      });
    }
    try {
      await this.inFlight;
    } catch (error) {
      if (this.keys.size > 0) return;
      // Callers that joined another's fetch share its failure without having fetched: the cause is logged once.
      if (started || !(error instanceof SigningKeysUnavailableError)) throw error;
      throw new SigningKeysUnavailableError(error.message, false);
    }
  }

  /**
   * One round: every URL at the same time. It succeeds when at least one URL gives a usable RSA key; a URL that fails
   * (network, non-2xx, not a key set, no RSA key) keeps what it gave before, and its problem goes into the error only
   * when no URL could be used.
   */
  private async fetchKeys(now: number): Promise<void> {
    const urls = this.options.jwksUrls;
    const answers = await Promise.allSettled(urls.map((url) => this.fetchKeySet(url)));
    const problems: string[] = [];
    answers.forEach((answer, i) => {
      const url = urls[i] ?? '';
      if (answer.status === 'rejected') problems.push(`${url} ${problemOf(answer.reason)}`);
      else if (answer.value.rsa.size === 0) problems.push(`${url} answered a key set with no usable RSA key`);
      else this.keysByUrl.set(url, answer.value.rsa);
    });
    if (problems.length === urls.length) {
      this.failedAt = now;
      this.options.metrics?.trackingKeysUnavailable();
      const reason = urls.length === 0 ? 'no key set URL is configured' : problems.join('; ');
      const message = `fetching the webhook signing keys failed: ${reason}`;
      if (this.keys.size > 0) this.options.log?.warn('webhook signing keys not refreshed; verifying with the keys fetched before', { problem: message });
      throw new SigningKeysUnavailableError(message, true);
    }
    const merged = new Map<string, KeyObject>();
    for (const url of urls) {
      for (const [kid, key] of this.keysByUrl.get(url) ?? []) if (!merged.has(kid)) merged.set(kid, key);
    }
    this.keys = merged;
    this.fetchedAt = now;
    this.failedAt = undefined;
  }

  /** One key set, read with care: no redirect, a timeout, at most 512 KB. @throws Error saying what was wrong */
  private async fetchKeySet(url: string): Promise<KeySet> {
    const response = await fetch(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`answered ${response.status}`);
    }
    const text = await response.text();
    if (Buffer.byteLength(text) > MAX_JWKS_BYTES) throw new Error(`answered more than ${MAX_JWKS_BYTES} bytes`);
    let document: unknown;
    try {
      document = JSON.parse(text) as unknown;
    } catch {
      throw new Error('answered something that is not JSON');
    }
    const parsed = jwksSchema.safeParse(document);
    if (!parsed.success) throw new Error('answered JSON that is not a key set ({"keys": [...]})');
    const rsa = rsaKeysOf(document);
    return { rsa, otherKeys: parsed.data.keys.length - rsa.size };
  }
}
