// ShipStation V2: signed tracking webhooks and their subscriptions.

/** Outcome of checking a V2 webhook signature against ShipStation's published keys. */
export type SignatureCheck = 'valid' | 'invalid' | 'unknown-key';

/** What one key set URL holds now (`doctor`): usable RSA signing keys, other entries (EC keys…, ignored), or why not. */
export interface KeySetCheck {
  url: string;
  /** At least one usable RSA signing key. */
  ok: boolean;
  rsaKeys: number;
  otherKeys: number;
  problem?: string;
}

/**
 * ShipStation's public keys for signed V2 webhooks: one or more JWKS URLs, RSA keys merged by key id (cached; refetched
 * for a key id it does not hold at most once a minute, so made-up key ids cannot make it fetch more).
 */
export interface WebhookSignatureVerifier {
  /**
   * Verifies an RSA-SHA256 (PKCS#1 v1.5) signature, base64, over `signedText` with the key `keyId`.
   * @throws SigningKeysUnavailableError when no key set gives a usable RSA key now
   */
  verify(input: { keyId: string; signature: string; signedText: string }): Promise<SignatureCheck>;
  /** Fetches each key set URL afresh and says what it holds; never throws. */
  checkKeySets(): Promise<KeySetCheck[]>;
}

/** A V2 webhook subscription as `GET /v2/environment/webhooks` lists it. */
export interface V2WebhookSubscription {
  id: string;
  event: string;
  url: string;
}

/** The V2 webhook endpoints, with the account's V2 API key (`API-Key` header). */
export interface ShipStationV2Webhooks {
  /** @throws ShipStationCredentialsError on 401/403, TransientError otherwise */
  listV2Webhooks(accountId: string): Promise<V2WebhookSubscription[]>;
  /** `POST /v2/environment/webhooks` with `{name, event, url}`; returns the new webhook's id. */
  createV2Webhook(accountId: string, webhook: { name: string; event: string; url: string }): Promise<string>;
}
