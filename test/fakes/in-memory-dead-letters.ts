// In-memory fakes of the dead-letter ports (DeadLetterRecords, DeadLetterQueues) for unit tests of the replay. The
// records live in the InMemoryEventLedger's dead-letter map, where its deadLetter writes them, exactly as the DynamoDB
// adapters share one partition; the queues keep what was received, moved and left, for the test to inspect.
import type { DeadLetter, DeadLetterMessage, DeadLetterPeek, DeadLetterQueues, DeadLetterRecords } from '../../lib/ports.js';
import { InMemoryEventLedger } from './in-memory-ports.js';

/** The ledger's dead-letter records, read in unique_id order and deleted only while `at` is unchanged. */
export class InMemoryDeadLetterRecords implements DeadLetterRecords {
  constructor(private readonly ledger: InMemoryEventLedger) {}

  async list(accountId: string, limit: number, after?: string): Promise<{ records: DeadLetter[]; next?: string }> {
    const all = [...this.ledger.deadLetters.values()]
      .filter((r) => r.accountId === accountId && (after === undefined || r.uniqueId > after))
      .sort((a, b) => (a.uniqueId < b.uniqueId ? -1 : 1));
    const records = all.slice(0, limit).map((r) => structuredClone(r));
    const last = records.at(-1);
    return all.length > limit && last !== undefined ? { records, next: last.uniqueId } : { records };
  }

  async find(accountId: string, uniqueId: string): Promise<DeadLetter | undefined> {
    const record = this.ledger.deadLetterOf(accountId, uniqueId);
    return record === undefined ? undefined : structuredClone(record);
  }

  async remove(accountId: string, uniqueId: string, at: string): Promise<boolean> {
    const key = InMemoryEventLedger.key(accountId, uniqueId);
    if (this.ledger.deadLetters.get(key)?.at !== at) return false;
    this.ledger.deadLetters.delete(key);
    return true;
  }
}

/**
 * Work queues with dead-letter queues: `park` puts a message in a DLQ; a receive hides what it returns (kept as
 * `hidden` until moved; `reveal` makes hidden ones visible again, as their timeout would); a move appends to `sent`
 * and then deletes. `failMoveOf` makes the move of a message fail before anything is sent.
 */
export class InMemoryDeadLetterQueues implements DeadLetterQueues {
  readonly visible = new Map<string, DeadLetterMessage[]>();
  readonly hidden = new Map<string, DeadLetterMessage[]>();
  /** What was sent back to each work queue, in order. */
  readonly sent = new Map<string, DeadLetterMessage[]>();
  readonly receives: { queue: string; max: number; hideSeconds: number }[] = [];
  /** When each parked message was sent (UTC ISO), for peek. */
  readonly sentAt = new Map<string, string>();
  private readonly failing = new Set<string>();
  private ids = 0;

  /** @param queues work queues with a DLQ; @param withoutDeadLetterQueue work queues without one */
  constructor(
    private readonly queues: string[],
    private readonly withoutDeadLetterQueue: string[] = [],
  ) {
    for (const queue of queues) {
      this.visible.set(queue, []);
      this.hidden.set(queue, []);
      this.sent.set(queue, []);
    }
  }

  /** Puts a message in the queue's DLQ, sent at `sentAt` (default the epoch); returns its id. */
  park(queue: string, body: unknown, accountId = 'default', sentAt = '1970-01-01T00:00:00.000Z'): string {
    this.ids += 1;
    const messageId = `message-${this.ids}`;
    this.sentAt.set(messageId, sentAt);
    this.visible.get(queue)?.push({
      messageId,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: { accountId: { dataType: 'String', stringValue: accountId } },
      receipt: `receipt-${this.ids}`,
    });
    return messageId;
  }

  failMoveOf(messageId: string): void {
    this.failing.add(messageId);
  }

  /** Hidden messages become visible again (their visibility timeout ran out). */
  reveal(queue: string): void {
    this.visible.get(queue)?.push(...(this.hidden.get(queue) ?? []));
    this.hidden.set(queue, []);
  }

  names(): string[] {
    return [...this.queues, ...this.withoutDeadLetterQueue];
  }

  async depth(queue: string): Promise<number | undefined> {
    return this.visible.get(queue)?.length;
  }

  async receive(queue: string, max: number, hideSeconds: number): Promise<DeadLetterMessage[]> {
    this.receives.push({ queue, max, hideSeconds });
    const visible = this.visible.get(queue) ?? [];
    const taken = visible.splice(0, Math.min(max, 10));
    this.hidden.get(queue)?.push(...taken);
    return structuredClone(taken);
  }

  /** Every visible message, hiding none (hidden ones are not seen, as on SQS). */
  async peek(queue: string): Promise<DeadLetterPeek | undefined> {
    const visible = this.visible.get(queue);
    if (visible === undefined) return undefined;
    const sent = visible.map((m) => this.sentAt.get(m.messageId) ?? '').sort();
    return sent.length === 0 ? { seen: 0 } : { seen: sent.length, oldestSentAt: sent[0] as string };
  }

  async moveBack(queue: string, message: DeadLetterMessage): Promise<void> {
    if (this.failing.has(message.messageId)) throw new Error('SQS answered 500');
    this.sent.get(queue)?.push(structuredClone(message));
    const hidden = this.hidden.get(queue) ?? [];
    this.hidden.set(
      queue,
      hidden.filter((m) => m.receipt !== message.receipt),
    );
  }
}
