// The HTTP core of the ShipStation V1, V2 and Klaviyo adapters: one request, attempted a few times. Each attempt has a
// timeout; timeouts, network errors and 5xx back off and retry; a 429 waits as long as the adapter reads from it (or
// backs off) unless that is longer than the request may wait; a redirect is never followed; retries spent end in a
// TransientError. The adapters keep only what differs: auth headers, rate limits, and how an answer is read.
import { BadInputError, TransientError } from '../domain/errors.js';
import type { Clock } from '../ports.js';

/** Backoff for attempt n (1-based): 0.5 s, 1 s, 2 s … capped at 8 s, with jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(8_000, 500 * 2 ** (attempt - 1));
  return Math.round(base * (0.5 + random() * 0.5));
}

/**
 * `path` on the origin of `baseUrl` (which has no trailing slash; config strips it), so credentials sent with it reach
 * only that host.
 * @throws BadInputError when the path would leave the origin
 */
export function urlOnOrigin(baseUrl: string, path: string, service: string): URL {
  const url = new URL(`${baseUrl}${path}`);
  if (url.origin !== new URL(baseUrl).origin) throw new BadInputError(`${path} is not on the account's ${service} origin`);
  return url;
}

/** What one attempt's answer came to: a value, or a transient problem to back off from and retry. */
export type AttemptResult<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface HttpRequest<T> {
  /** Names the request in the error when retries are spent: `<name> failed after 4 attempts: timeout`. */
  name: string;
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxAttempts: number;
  /** Runs before every attempt (a shared rate budget); may throw to end the request. */
  beforeAttempt?: () => Promise<void>;
  rateLimit: {
    /** Message of the TransientError a 429 ends in. */
    message: string;
    /** Longest 429 wait inside the request; a longer one ends it with a TransientError carrying the wait. */
    maxWaitMs: number;
    /** How long a 429 asks to wait, ms; undefined backs off as for a 5xx. */
    waitMs: (response: Response) => number | undefined;
    /** Told of every 429 with the wait chosen (a metric, a budget to close). */
    onThrottled?: (response: Response, waitMs: number) => Promise<void> | void;
  };
  /** Sees every answer other than a 429 before it is read (rate-limit headers). */
  onResponse?: (response: Response) => Promise<void>;
  /** The error a 3xx ends the request with. */
  redirected: (status: number) => Error;
  /** Reads an answer that is not a 429, 3xx or 5xx: a value, a problem to retry, or a thrown permanent error. */
  read: (response: Response) => Promise<AttemptResult<T>>;
}

/**
 * Makes `request`, retrying what is transient.
 * @returns the value read and how many requests it took
 * @throws TransientError when retries are spent or a 429 asks for too long; whatever `redirected`, `read` or
 *   `beforeAttempt` throws
 */
export async function requestWithRetries<T>(clock: Pick<Clock, 'sleep'>, request: HttpRequest<T>): Promise<{ value: T; requests: number }> {
  const { maxAttempts, rateLimit } = request;
  let lastProblem = 'no attempt made';
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    await request.beforeAttempt?.();
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(request.timeoutMs),
      });
    } catch (error) {
      lastProblem = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'network error';
      if (attempt < maxAttempts) await clock.sleep(backoffMs(attempt));
      continue;
    }
    if (response.status === 429) {
      await response.body?.cancel();
      lastProblem = 'rate limited (429)';
      const waitMs = rateLimit.waitMs(response) ?? backoffMs(attempt);
      await rateLimit.onThrottled?.(response, waitMs);
      if (waitMs > rateLimit.maxWaitMs || attempt === maxAttempts) {
        throw new TransientError(rateLimit.message, { retryAfterSeconds: Math.ceil(waitMs / 1000) });
      }
      await clock.sleep(waitMs);
      continue;
    }
    await request.onResponse?.(response);
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw request.redirected(response.status);
    }
    const result: AttemptResult<T> = response.status >= 500 ? await cancelled(response, `HTTP ${response.status}`) : await request.read(response);
    if (result.ok) return { value: result.value, requests: attempt };
    lastProblem = result.problem;
    if (attempt < maxAttempts) await clock.sleep(backoffMs(attempt));
  }
  throw new TransientError(`${request.name} failed after ${maxAttempts} attempts: ${lastProblem}`);
}

/** The answer's JSON body, or a problem to retry when it is not JSON. */
export async function readJson(response: Response, problem: string): Promise<AttemptResult<unknown>> {
  try {
    return { ok: true, value: await response.json() };
  } catch {
    return { ok: false, problem };
  }
}

async function cancelled(response: Response, problem: string): Promise<AttemptResult<never>> {
  await response.body?.cancel();
  return { ok: false, problem };
}
