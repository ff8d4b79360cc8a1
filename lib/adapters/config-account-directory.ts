// AccountDirectory over the parsed configuration; webhook tokens compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccountConfig } from '../config.js';
import { BadInputError } from '../domain/errors.js';
import type { Account, AccountDirectory } from '../ports.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export class ConfigAccountDirectory implements AccountDirectory {
  private readonly tokenDigests: Map<string, Buffer>;
  /** Compared against when the account is unknown, so timing does not reveal which accounts exist. */
  private readonly decoy = digest('no-such-account');

  constructor(private readonly accounts: ReadonlyMap<string, AccountConfig>) {
    this.tokenDigests = new Map([...accounts.values()].map((a) => [a.id, digest(a.webhookToken)]));
  }

  find(accountId: string): Account | undefined {
    const config = this.accounts.get(accountId);
    if (config === undefined) return undefined;
    return {
      id: config.id,
      shipStationBaseUrl: config.shipStation.baseUrl,
      shipStationFingerprint: config.shipStation.fingerprint,
      klaviyoFingerprint: config.klaviyo.fingerprint,
      shipStationKeyExpiresOn: config.shipStation.keyExpiresOn,
      metricPrefix: config.metricPrefix,
      ...(config.storeIds === undefined ? {} : { storeIds: config.storeIds }),
      importDays: config.importDays,
      ...(config.shipStationV2 === undefined ? {} : { shipStationV2Fingerprint: config.shipStationV2.fingerprint }),
      timeZone: config.timeZone,
      defaultCountry: config.defaultCountry,
    };
  }

  list(): Account[] {
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

  verifyWebhookToken(accountId: string, presented: string): boolean {
    const expected = this.tokenDigests.get(accountId);
    const matches = timingSafeEqual(digest(presented), expected ?? this.decoy);
    return expected !== undefined && matches;
  }
}
