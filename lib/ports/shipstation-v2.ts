// ShipStation V2: signed webhooks and their subscriptions, and the V2 lists read with the account's V2 key.
import type { V2ListResource } from '../domain/shipstation-v2.js';
import type { OrderSnapshot } from '../domain/snapshot.js';
import type { FetchedResource, ListedPage } from './shipstation.js';

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

/** The V2 list endpoints the product reads (pointer webhooks, the poll). */
export type { V2ListResource };

/**
 * Reading ShipStation API V2 with the account's V2 key, on its V2 origin only, through the key's own request budget
 * (200/minute, shared by every Lambda; `Retry-After` on 429). Records become the same snapshots V1 records do.
 */
export interface ShipStationV2Reader {
  /**
   * GETs a V2 pointer webhook's resource_url (a list), all pages, only in the shape ShipStation sends for the type.
   * @throws BadInputError (no request made) for another shape, ResourceTooLargeError over the type's cap,
   *   ShipStationCredentialsError (service `shipstation-v2`) on 401/403, TransientError when retries are spent
   */
  fetchV2Resource(accountId: string, url: URL, resourceType: string): Promise<FetchedResource>;
  /** One page of `/v2/shipments`, `/v2/labels` or `/v2/fulfillments` with the given query (the poll). */
  listV2Page(accountId: string, request: { resource: V2ListResource; query: Record<string, string> }): Promise<ListedPage>;
  /** `GET /v2/shipments/se-<orderId>`: the order, or undefined when V2 has no such shipment (404). */
  fetchV2Order(accountId: string, orderId: number): Promise<OrderSnapshot | undefined>;
  /** A cheap read that proves the V2 key works (`GET /v2/environment/webhooks`). */
  checkV2Credentials(accountId: string): Promise<void>;
}
