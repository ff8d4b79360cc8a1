// Credential status: which keys are refused or whose service is down, per account and service.

/** `shipstation`: the V1 key pair; `shipstation-v2`: the V2 API key; `klaviyo`: the private key. */
export type CredentialService = 'shipstation' | 'shipstation-v2' | 'klaviyo';

/** What is known of an account's key for one service: found invalid (paused) or working again. */
export interface CredentialStatus {
  state: 'invalid' | 'valid';
  /** Fingerprint of the key the state is about; a rotated key has another one. */
  fingerprint: string;
  since: string;
  reason?: string;
  /** When the alert about the invalid key went out; absent while it is still owed. */
  alertedAt?: string;
  /**
   * Klaviyo failing past the in-invocation retries (5xx, 429, timeouts): since when, and the last reason. While set, the
   * account's events are held (as for a refused key) and released, in order, once Klaviyo answers again.
   */
  outage?: { since: string; reason: string };
}

/**
 * One status per (account, service), written with single-item conditional writes. A key is paused while the status
 * says invalid for its own fingerprint; a rotated key (another fingerprint) is tried again at once.
 */
export interface CredentialStatusStore {
  status(accountId: string, service: CredentialService): Promise<CredentialStatus | undefined>;
  /** Records that a key failed; returns true only for the first report for this key (so it is alerted once). */
  markInvalid(accountId: string, service: CredentialService, fingerprint: string, reason: string): Promise<boolean>;
  /** Records that a key works; returns true only when that ends an invalid status (so recovery is announced once). */
  markValid(accountId: string, service: CredentialService, fingerprint: string): Promise<boolean>;
  /** Records that the alert about this invalid key went out. */
  markAlerted(accountId: string, service: CredentialService, fingerprint: string): Promise<void>;
  isInvalid(accountId: string, service: CredentialService, fingerprint: string): Promise<boolean>;
  /** Records that the service fails for now; returns true only for the call that began the outage. */
  markOutage(accountId: string, service: CredentialService, reason: string): Promise<boolean>;
  /** Records that the service answers again; returns true only for the call that ended the outage. */
  clearOutage(accountId: string, service: CredentialService): Promise<boolean>;
}
