// Alerts to the operators, and the ledger that sends each one once.

/** A message for the operators of the service (SNS topic, e-mail): which account, which key, what to do. */
export interface Alert {
  accountId: string;
  /** Short and specific, fit for an e-mail subject (at most 100 characters). */
  subject: string;
  message: string;
}

export interface Alerts {
  /** @throws when the alert could not be handed over (the caller keeps it owed and tries again) */
  send(alert: Alert): Promise<void>;
}

/**
 * Alerts that must go out once only (a key-expiry threshold, a refused key): a single-item conditional write claims one
 * for a while (a lease), `confirm` makes it final once it was handed over, so a re-run or a retry never repeats a sent
 * alert, and one whose sender died before confirming is sent by the next run once the lease has run out.
 */
export interface AlertLedger {
  /** @returns true when this call claimed the alert (never sent, and no unexpired claim) */
  claim(accountId: string, alertId: string, now: Date): Promise<boolean>;
  /** The claimed alert was handed over: it is never claimed again. */
  confirm(accountId: string, alertId: string, now: Date): Promise<void>;
  /** Gives a claimed alert back when it could not be sent, so the next run sends it. */
  release(accountId: string, alertId: string): Promise<void>;
}
