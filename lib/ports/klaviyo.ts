// Klaviyo: single and bulk event creation, and the key check.
import type { KlaviyoEvent } from '../domain/klaviyo-event.js';

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
