// Single-table key layout. Every key starts with the account id (DESIGN §3.7).
export const keys = {
  orderState: (accountId: string, orderId: number) => ({ pk: `ACCOUNT#${accountId}#ORDER#${orderId}`, sk: 'STATE' }),
  event: (accountId: string, uniqueId: string) => ({ pk: `ACCOUNT#${accountId}#EVENT#${uniqueId}`, sk: 'LEDGER' }),
  deadLetter: (accountId: string, uniqueId: string) => ({ pk: `ACCOUNT#${accountId}#DEADLETTER`, sk: uniqueId }),
  credential: (accountId: string, service: string, fingerprint: string) => ({ pk: `ACCOUNT#${accountId}#CREDENTIALS`, sk: `${service}#${fingerprint}` }),
};

/** Attribute-value form of a key. */
export const keyOf = (key: { pk: string; sk: string }): Record<string, { S: string }> => ({ pk: { S: key.pk }, sk: { S: key.sk } });

/** Epoch seconds `days` after `now`, for the table's TTL attribute `expiresAt`. */
export const expiresAt = (now: Date, days: number): { N: string } => ({ N: String(Math.floor(now.getTime() / 1000) + days * 86_400) });
