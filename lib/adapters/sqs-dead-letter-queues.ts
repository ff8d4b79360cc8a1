// DeadLetterQueues on SQS: each work queue's DLQ is found from its RedrivePolicy (as SqsQueueDepths does), read with
// short polls only (WaitTimeSeconds 0) and never ChangeMessageVisibility: local-aws-sqs waits out long polls in full and
// counts a visibility change as a receive (reference/toolchain.md). A message goes back with SendMessage and is deleted
// from the DLQ only once that send succeeded. A peek receives with VisibilityTimeout 0 (nothing is hidden) and the
// legacy `AttributeNames: ['All']`, the only form local-aws-sqs answers with SentTimestamp.
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import * as z from '../domain/zod.js';
import { BadInputError } from '../domain/errors.js';
import type { DeadLetterMessage, DeadLetterPeek, DeadLetterQueues } from '../ports.js';
import { parseQueueArn } from './sqs-queue-depths.js';

/** SQS's most per ReceiveMessage. */
const MAX_PER_RECEIVE = 10;
/**
 * Receives a peek makes at most: a short poll samples only some of SQS's servers, so a second or third one may find
 * messages the first missed; it stops once it has seen as many as the DLQ holds.
 */
const PEEK_RECEIVES = 3;

const redrivePolicySchema = z.object({ deadLetterTargetArn: z.optional(z.string()) });

/** The DLQ ARN a RedrivePolicy attribute (a JSON string) names, if any. */
function deadLetterArnOf(redrivePolicy: string | undefined): string | undefined {
  if (redrivePolicy === undefined || redrivePolicy === '') return undefined;
  try {
    const parsed = redrivePolicySchema.safeParse(JSON.parse(redrivePolicy));
    return parsed.success ? parsed.data.deadLetterTargetArn : undefined;
  } catch {
    return undefined;
  }
}

const toPort = (attributes: Record<string, MessageAttributeValue> | undefined): DeadLetterMessage['attributes'] =>
  Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, value]) => [
      name,
      {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        ...(value.BinaryValue === undefined ? {} : { binaryValue: value.BinaryValue }),
      },
    ]),
  );

const toSqs = (attributes: DeadLetterMessage['attributes']): Record<string, MessageAttributeValue> =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        DataType: value.dataType,
        ...(value.stringValue === undefined ? {} : { StringValue: value.stringValue }),
        ...(value.binaryValue === undefined ? {} : { BinaryValue: value.binaryValue }),
      },
    ]),
  );

export class SqsDeadLetterQueues implements DeadLetterQueues {
  /** DLQ URL per work queue name (null: the queue has no redrive policy); a queue's DLQ does not change while we run. */
  private readonly deadLetterUrls = new Map<string, string | null>();

  constructor(
    private readonly client: SQSClient,
    private readonly queues: { name: string; url: string }[],
  ) {}

  names(): string[] {
    return this.queues.map((q) => q.name);
  }

  async depth(queue: string): Promise<number | undefined> {
    const url = await this.deadLetterUrl(queue);
    if (url === undefined) return undefined;
    const { Attributes } = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
    const count = Number(Attributes?.ApproximateNumberOfMessages ?? '0');
    return Number.isFinite(count) ? count : 0;
  }

  async receive(queue: string, max: number, hideSeconds: number): Promise<DeadLetterMessage[]> {
    const url = await this.deadLetterUrl(queue);
    if (url === undefined) return [];
    const { Messages } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(MAX_PER_RECEIVE, Math.max(1, max)),
        WaitTimeSeconds: 0,
        VisibilityTimeout: hideSeconds,
        MessageAttributeNames: ['All'],
      }),
    );
    // local-aws-sqs may return a message twice in one response when it becomes visible again within the receive.
    const unique = new Map((Messages ?? []).map((m) => [m.MessageId ?? '', m]));
    return [...unique.values()].map((m) => ({
      messageId: m.MessageId ?? '',
      body: m.Body ?? '',
      attributes: toPort(m.MessageAttributes),
      receipt: m.ReceiptHandle ?? '',
    }));
  }

  async peek(queue: string): Promise<DeadLetterPeek | undefined> {
    const url = await this.deadLetterUrl(queue);
    if (url === undefined) return undefined;
    const held = (await this.depth(queue)) ?? 0;
    // SentTimestamp per message id: local-aws-sqs returns a message several times in one receive when it stays visible.
    const sentAt = new Map<string, number>();
    for (let i = 0; i < PEEK_RECEIVES && sentAt.size < Math.min(held, MAX_PER_RECEIVE * PEEK_RECEIVES); i += 1) {
      const { Messages } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: MAX_PER_RECEIVE,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 0,
          // Deprecated in the SDK for MessageSystemAttributeNames, which local-aws-sqs ignores; AWS still takes this form.
          AttributeNames: ['All'],
        }),
      );
      if (Messages === undefined || Messages.length === 0) break;
      for (const message of Messages) {
        const sent = Number(message.Attributes?.SentTimestamp);
        if (message.MessageId !== undefined && Number.isFinite(sent)) sentAt.set(message.MessageId, sent);
      }
    }
    if (sentAt.size === 0) return { seen: 0 };
    return { seen: sentAt.size, oldestSentAt: new Date(Math.min(...sentAt.values())).toISOString() };
  }

  async moveBack(queue: string, message: DeadLetterMessage): Promise<void> {
    const deadLetterUrl = await this.deadLetterUrl(queue);
    if (deadLetterUrl === undefined) throw new BadInputError(`queue ${queue} has no dead-letter queue`);
    const attributes = toSqs(message.attributes);
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.urlOf(queue),
        MessageBody: message.body,
        ...(Object.keys(attributes).length === 0 ? {} : { MessageAttributes: attributes }),
      }),
    );
    await this.client.send(new DeleteMessageCommand({ QueueUrl: deadLetterUrl, ReceiptHandle: message.receipt }));
  }

  private urlOf(queue: string): string {
    const found = this.queues.find((q) => q.name === queue);
    if (found === undefined) throw new BadInputError(`unknown queue ${queue} (known: ${this.names().join(', ')})`);
    return found.url;
  }

  private async deadLetterUrl(queue: string): Promise<string | undefined> {
    const known = this.deadLetterUrls.get(queue);
    if (known !== undefined) return known ?? undefined;
    const { Attributes } = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: this.urlOf(queue), AttributeNames: ['RedrivePolicy'] }));
    const arn = deadLetterArnOf(Attributes?.RedrivePolicy);
    let url: string | null = null;
    if (arn !== undefined) {
      const parsed = parseQueueArn(arn);
      if (parsed === undefined) throw new Error(`RedrivePolicy of ${queue} names ${arn}, which is not an SQS queue ARN`);
      const { QueueUrl } = await this.client.send(new GetQueueUrlCommand({ QueueName: parsed.queueName, QueueOwnerAWSAccountId: parsed.accountId }));
      if (QueueUrl === undefined) throw new Error(`SQS returned no URL for dead-letter queue ${parsed.queueName}`);
      url = QueueUrl;
    }
    this.deadLetterUrls.set(queue, url);
    return url ?? undefined;
  }
}
