// Klaviyo: single and bulk event creation, the key check, and the metrics, flows and templates of `flows install`.
import type { KlaviyoEvent } from '../domain/klaviyo-event.js';
import type { ExistingFlow } from '../domain/klaviyo-flows.js';

export interface KlaviyoApi {
  /**
   * Sends one event; resolves when Klaviyo accepted it (202).
   * @throws KlaviyoRejectedError when refused for good, TransientError when it may work later
   */
  createEvent(event: KlaviyoEvent): Promise<void>;
}

export interface KlaviyoCredentialCheck {
  /**
   * Proves the private key authenticates and holds `events:write`, with a request Klaviyo refuses as invalid (400)
   * only after authentication and scope checks, so no event is created.
   * @throws KlaviyoRejectedError with status 401 (bad key) or 403 (missing scope), TransientError otherwise
   */
  checkCredentials(accountId: string): Promise<void>;
}

/** Klaviyo Bulk Create Events, for historical and catch-up events. */
export interface KlaviyoBulkApi {
  /**
   * Sends one Bulk Create Events request (202 = accepted as a job). The caller keeps within Klaviyo's limits
   * (planBulkRequests: ≤ 1,000 events, ≤ 5 MB, no unique_id twice).
   * @throws KlaviyoRejectedError when the request is refused (one bad event refuses all), TransientError otherwise
   */
  createEvents(accountId: string, events: KlaviyoEvent[]): Promise<void>;
}

/** The scopes `flows install` needs, each proven by a request Klaviyo answers only after its scope check. */
export type FlowScope = 'metrics:read' | 'flows:read' | 'flows:write' | 'templates:write';

/** Klaviyo's metrics, flows and templates, for `flows install` and doctor's scope check. */
export interface KlaviyoFlowsApi {
  /**
   * Every metric of the account (Get Metrics, all pages): name → id.
   * @throws KlaviyoRejectedError (403: the key lacks metrics:read), TransientError
   */
  metrics(accountId: string): Promise<Map<string, string>>;
  /**
   * The account's flows whose name ends with `suffix` (Get Flows, all pages).
   * @throws KlaviyoRejectedError (403: the key lacks flows:read), TransientError
   */
  flowsEndingWith(accountId: string, suffix: string): Promise<ExistingFlow[]>;
  /**
   * Create Template; returns the new template's id.
   * @throws KlaviyoRejectedError (403: the key lacks templates:write; 400: refused), TransientError
   */
  createTemplate(accountId: string, body: unknown): Promise<string>;
  /**
   * Create Flow (always a draft); returns the new flow's id.
   * @throws KlaviyoRejectedError (403: the key lacks flows:write; 400: refused), TransientError (a 429 longer than
   *   the adapter waits carries Klaviyo's Retry-After)
   */
  createFlow(accountId: string, body: unknown): Promise<string>;
  /**
   * Which of the scopes the key holds: reads ask for one item; writes post an invalid body, which Klaviyo refuses (400)
   * only after its scope check (403), so nothing is created.
   * @throws KlaviyoRejectedError (401: the key is refused), TransientError
   */
  scopes(accountId: string): Promise<Record<FlowScope, boolean>>;
}
