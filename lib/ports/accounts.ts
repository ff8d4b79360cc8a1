// Accounts: who the service works for, as use cases see them (configuration or an accounts document).

/** What a webhook receiver and the scheduler know of an account: who it is and where its ShipStation is. */
export interface WebhookAccount {
  id: string;
  shipStationBaseUrl: string;
  /** Where the account's V2 pointer webhooks' resource_urls must be (default `https://api.shipstation.com`). */
  shipStationV2BaseUrl: string;
}

/** What a use case knows of an account (no secrets beyond what it must hand to an adapter). */
export interface Account extends WebhookAccount {
  /** Fingerprint of the ShipStation V1 key pair; absent = the account runs on API V2 only. */
  shipStationFingerprint?: string;
  klaviyoFingerprint: string;
  /** The day the ShipStation V1 key expires (`YYYY-MM-DD`, as configured); absent without a V1 key. */
  shipStationKeyExpiresOn?: string;
  metricPrefix: string;
  /** Only orders and shipments of these ShipStation stores belong to the account; absent = every store. */
  storeIds?: number[];
  /** Days the account's first poll imports. */
  importDays?: number;
  /** Fingerprint of the ShipStation V2 API key; absent = no V2 key (V1 only, so no tracking events for this account). */
  shipStationV2Fingerprint?: string;
  /** IANA time zone in which the account's calendar dates end (a ship-by date is over at midnight there). */
  timeZone: string;
  /** Country a phone number without a country code is read in when neither address names one. */
  defaultCountry: string;
}

/** The accounts as the receivers and the scheduler see them (they hold no ShipStation or Klaviyo key). */
export interface WebhookAccounts {
  find(accountId: string): WebhookAccount | undefined;
  /** Constant-time comparison of a presented webhook token with the account's. */
  verifyWebhookToken(accountId: string, presented: string): boolean;
  /** Every configured account, for the scheduled fan-out. */
  list(): WebhookAccount[];
}

export interface AccountDirectory extends WebhookAccounts {
  find(accountId: string): Account | undefined;
  /** Every configured account, for the scheduled fan-out and the CLI. */
  list(): Account[];
  /**
   * The account's webhook endpoint under a deployed base URL, `<base>/webhooks/shipstation/<id>?token=<token>`: what
   * ShipStation is subscribed to. It carries the token, so it is handed to ShipStation and never printed or logged.
   * @throws BadInputError for an unknown account
   */
  webhookTargetUrl(accountId: string, baseUrl: string): string;
  /**
   * The account's V2 tracking webhook endpoint, `<base>/webhooks/tracking/<id>?token=<token>` (signed by ShipStation,
   * and carrying the account's token so another ShipStation account's webhooks cannot be pointed at it). Never logged.
   * @throws BadInputError for an unknown account
   */
  trackingTargetUrl(accountId: string, baseUrl: string): string;
}
