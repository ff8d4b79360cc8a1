// Queues: the SQS work queues between functions, their depths and their dead-letter queues.
import type { PollJob } from '../domain/poll-plan.js';
import type { NotificationMessage, Snapshot, UpdateMessage } from '../domain/snapshot.js';

export interface NotificationQueue {
  enqueue(message: NotificationMessage): Promise<void>;
}

export interface UpdateQueue {
  /**
   * Enqueues every message durably, or throws (nothing is reported sent that was not).
   * @param delaySeconds hides the messages for that long first (at most 900; a tracking update waiting for its label)
   */
  enqueueAll(messages: UpdateMessage[], delaySeconds?: number): Promise<void>;
}

/** Messages waiting in a queue and in its dead-letter queue. */
export interface QueueDepth {
  queue: string;
  visible: number;
  inFlight: number;
  delayed: number;
  deadLetters?: number;
}

export interface QueueDepths {
  depths(): Promise<QueueDepth[]>;
}

/** A message waiting in a work queue's dead-letter queue, as received (hidden from other readers for a while). */
export interface DeadLetterMessage {
  messageId: string;
  body: string;
  /** Message attributes (accountId…), sent back with the body. */
  attributes: Record<string, { dataType: string; stringValue?: string; binaryValue?: Uint8Array }>;
  /** Opaque handle that deletes this receipt of the message. */
  receipt: string;
}

/** What a look at a dead-letter queue saw: how many distinct messages, and the send time of the oldest of them. */
export interface DeadLetterPeek {
  seen: number;
  /** UTC ISO; on SQS the time the message was first sent to its work queue (a standard queue's DLQ keeps it). */
  oldestSentAt?: string;
}

/** The work queues' dead-letter queues (SQS DLQs found from each queue's redrive policy). */
export interface DeadLetterQueues {
  /** The work queues, by name (notifications, updates, history, polls). */
  names(): string[];
  /** Messages waiting in the queue's dead-letter queue (approximate), or undefined when it has none. */
  depth(queue: string): Promise<number | undefined>;
  /** One receive without long polling: up to `max` (≤ 10) messages, hidden from other readers for `hideSeconds`. */
  receive(queue: string, max: number, hideSeconds: number): Promise<DeadLetterMessage[]>;
  /**
   * Looks at the messages of the queue's dead-letter queue without hiding them (a DLQ has no consumer and no redrive
   * of its own, so this delays nobody and moves nothing), for when the oldest of those seen was sent; undefined when the
   * queue has no DLQ. Never for a work queue: a receive there counts towards its message's move to the DLQ.
   */
  peek(queue: string): Promise<DeadLetterPeek | undefined>;
  /**
   * Sends the message back to its work queue (body and attributes), then deletes it from the dead-letter queue.
   * @throws when either step fails; nothing is deleted unless the send succeeded
   */
  moveBack(queue: string, message: DeadLetterMessage): Promise<void>;
}

export type { PollJob };

/** Brings a failed message of one queue back sooner than the queue's visibility timeout (SQS ChangeMessageVisibility). */
export interface MessageVisibility {
  /** Makes the received message visible again after `seconds`. */
  delay(receiptHandle: string, seconds: number): Promise<void>;
}

export interface PollJobQueue {
  enqueue(jobs: PollJob[], delaySeconds?: number): Promise<void>;
}

/** Historical snapshots (import, catch-up), packed many per message and sent to Klaviyo in bulk. */
export interface HistoryQueue {
  /** @param delaySeconds hides the messages for that long first (at most 900; a label waiting for its order) */
  enqueueAll(snapshots: Snapshot[], delaySeconds?: number): Promise<void>;
}

/** The history queue's other message: a later look at an account's bulk outbox. */
export interface OutboxFlushQueue {
  /**
   * Asks for the account's bulk outbox to be sent after `delaySeconds` (at most 900) if what was put in it up to
   * `before` is still waiting then.
   */
  flushOutboxLater(accountId: string, before: Date, delaySeconds: number): Promise<void>;
}
