// Error classes shared by every layer. Retry behaviour is decided by the class, not by message text.

/** A failure worth retrying later (5xx, timeout, 429, a record being written by another worker). */
export class TransientError extends Error {
  /** Seconds the caller should wait before retrying, when the remote side said so. */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, options?: { retryAfterSeconds?: number; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = 'TransientError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/**
 * No key set of ShipStation's webhook signing keys gave a usable RSA key (unreachable, or holding none): a signed
 * webhook cannot be checked now, so it is answered 503 and ShipStation retries it.
 */
export class SigningKeysUnavailableError extends TransientError {
  /**
   * @param attempted whether this call fetched the key sets itself (false: a fetch failed less than a minute ago and
   *   is not repeated yet), so the cause is logged once per fetch, not once per webhook
   */
  constructor(
    message: string,
    readonly attempted: boolean,
  ) {
    super(message);
    this.name = 'SigningKeysUnavailableError';
  }
}

/** Input that can never succeed as sent: retrying it changes nothing. */
export class BadInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadInputError';
  }
}

/**
 * A webhook's resource holds more than a batch of its type can (its cap, lib/domain/resource-url.ts): permanent, so it
 * is dead-lettered once with this reason rather than retried, and the poll reads those records instead.
 */
export class ResourceTooLargeError extends BadInputError {
  constructor(
    readonly resourceType: string,
    readonly batch: string,
    readonly records: number,
    readonly maxRecords: number,
    readonly requests: number,
  ) {
    super(`the ${resourceType} resource holds ${records} records, more than the ${maxRecords} such a batch is read up to; left to the poll`);
    this.name = 'ResourceTooLargeError';
  }
}

/** The webhook token or account is wrong; the response must not say which. */
export class UnauthorizedError extends Error {
  constructor(message = 'unauthorized') {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

/**
 * A signed webhook refused before its body is read: a missing signature header (404, as ShipStation's validation guide
 * asks), a bad signature or unknown key (401), or a timestamp too far from now (400). The reason goes back to the
 * sender; it names headers and key ids, never the body.
 */
export class SignatureRejectedError extends Error {
  constructor(
    readonly status: 400 | 401 | 404,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'SignatureRejectedError';
  }
}

/** A request body larger than the endpoint accepts. */
export class PayloadTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`body larger than ${limitBytes} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

/** ShipStation answered 401: the key pair is expired or revoked. */
export class ShipStationCredentialsError extends Error {
  constructor(
    readonly accountId: string,
    message = 'ShipStation rejected the API key and secret (401)',
    /** Which key was refused: the V1 key pair (`shipstation`) or the V2 API key (`shipstation-v2`). */
    readonly service: 'shipstation' | 'shipstation-v2' = 'shipstation',
  ) {
    super(message);
    this.name = 'ShipStationCredentialsError';
  }
}

/** The account's credentials were already found invalid; calls are paused until the key changes. */
export class CredentialsPausedError extends TransientError {
  constructor(
    readonly accountId: string,
    readonly service: 'shipstation' | 'klaviyo',
  ) {
    super(`${service} credentials for account ${accountId} are marked invalid; waiting for a new key`);
    this.name = 'CredentialsPausedError';
  }
}

/** Klaviyo refused an event for good (JSON 400/401/403/...): it goes to a dead-letter record with this reason. */
export class KlaviyoRejectedError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`Klaviyo rejected the event (${status}): ${reason}`);
    this.name = 'KlaviyoRejectedError';
  }
  /** 401/403 mean the key is wrong or lacks events:write, not that the event is. */
  get isCredentialProblem(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** A poll run no longer holds its account's lease (it ran out, or another run took over): it must stop at once. */
export class LeaseLostError extends Error {
  constructor(readonly accountId: string) {
    super(`the poll lease of account ${accountId} was lost`);
    this.name = 'LeaseLostError';
  }
}
