// The accounts of the parsed configuration: the webhook view for receivers and the scheduler (ConfigWebhookAccounts),
// the full directory for everything else (ConfigAccountDirectory); webhook tokens compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccountConfig, WebhookAccountConfig } from '../config.js';
import { DEFAULT_SHIPSTATION_BASE_URL, DEFAULT_SHIPSTATION_V2_BASE_URL } from '../config/hosts.js';
import { BadInputError } from '../domain/errors.js';
import type { Account, AccountDirectory, WebhookAccount, WebhookAccounts } from '../ports.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** What the webhook view reads of an account, in either view (a V2-only account has no V1 base URL: the default stands). */
type WebhookFields = Pick<WebhookAccountConfig, 'id' | 'webhookToken'> & { shipStation?: { baseUrl: string }; shipStationV2?: { baseUrl: string } };

export class ConfigWebhookAccounts<A extends WebhookFields = WebhookAccountConfig> implements WebhookAccounts {
  private readonly tokenDigests: Map<string, Buffer>;
  /** Compared against when the account is unknown, so timing does not reveal which accounts exist. */
  private readonly decoy = digest('no-such-account');

  constructor(protected readonly accounts: ReadonlyMap<string, A>) {
    this.tokenDigests = new Map([...accounts.values()].map((a) => [a.id, digest(a.webhookToken)]));
  }

  find(accountId: string): WebhookAccount | undefined {
    const config = this.accounts.get(accountId);
    if (config === undefined) return undefined;
    return {
      id: config.id,
      shipStationBaseUrl: config.shipStation?.baseUrl ?? DEFAULT_SHIPSTATION_BASE_URL,
      shipStationV2BaseUrl: config.shipStationV2?.baseUrl ?? DEFAULT_SHIPSTATION_V2_BASE_URL,
    };
  }

  list(): WebhookAccount[] {
    return [...this.accounts.keys()].map((id) => this.find(id)).filter((a): a is WebhookAccount => a !== undefined);
  }

  verifyWebhookToken(accountId: string, presented: string): boolean {
    const expected = this.tokenDigests.get(accountId);
    const matches = timingSafeEqual(digest(presented), expected ?? this.decoy);
    return expected !== undefined && matches;
  }
}

export class ConfigAccountDirectory extends ConfigWebhookAccounts<AccountConfig> implements AccountDirectory {
  override find(accountId: string): Account | undefined {
    const config = this.accounts.get(accountId);
    if (config === undefined) return undefined;
    return {
      id: config.id,
      shipStationBaseUrl: config.shipStation?.baseUrl ?? DEFAULT_SHIPSTATION_BASE_URL,
      shipStationV2BaseUrl: config.shipStationV2?.baseUrl ?? DEFAULT_SHIPSTATION_V2_BASE_URL,
      ...(config.shipStation === undefined
        ? {}
        : { shipStationFingerprint: config.shipStation.fingerprint, shipStationKeyExpiresOn: config.shipStation.keyExpiresOn }),
      klaviyoFingerprint: config.klaviyo.fingerprint,
      metricPrefix: config.metricPrefix,
      ...(config.storeIds === undefined ? {} : { storeIds: config.storeIds }),
      importDays: config.importDays,
      ...(config.shipStationV2 === undefined ? {} : { shipStationV2Fingerprint: config.shipStationV2.fingerprint }),
      timeZone: config.timeZone,
      defaultCountry: config.defaultCountry,
    };
  }

  override list(): Account[] {
    return [...this.accounts.keys()].map((id) => this.find(id)).filter((a): a is Account => a !== undefined);
  }

  webhookTargetUrl(accountId: string, baseUrl: string): string {
    const config = this.accounts.get(accountId);
    if (config === undefined) throw new BadInputError(`unknown account ${accountId}`);
    return `${baseUrl.replace(/\/+$/, '')}/webhooks/shipstation/${encodeURIComponent(config.id)}?token=${encodeURIComponent(config.webhookToken)}`;
  }

  trackingTargetUrl(accountId: string, baseUrl: string): string {
    const config = this.accounts.get(accountId);
    if (config === undefined) throw new BadInputError(`unknown account ${accountId}`);
    return `${baseUrl.replace(/\/+$/, '')}/webhooks/tracking/${encodeURIComponent(config.id)}?token=${encodeURIComponent(config.webhookToken)}`;
  }
}
