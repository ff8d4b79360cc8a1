// QueueDepths on SQS: GetQueueAttributes for each queue's approximate counts and RedrivePolicy, then the dead-letter
// queue named by the policy's ARN (its URL found once with GetQueueUrl, name and owner account taken from the ARN).
import { GetQueueAttributesCommand, GetQueueUrlCommand, type QueueAttributeName, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from '../domain/zod.js';
import type { QueueDepth, QueueDepths } from '../ports.js';

const DEPTH_ATTRIBUTES: QueueAttributeName[] = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'RedrivePolicy',
];

/** The part of a RedrivePolicy attribute (a JSON string) that names the dead-letter queue. */
const redrivePolicySchema = z.object({ deadLetterTargetArn: z.optional(z.string()) });

/** Name and owner account of an SQS queue ARN, `arn:<partition>:sqs:<region>:<account>:<name>`. */
export function parseQueueArn(arn: string): { accountId: string; queueName: string } | undefined {
  const parts = arn.split(':');
  const [prefix, , service, , accountId, queueName] = parts;
  if (parts.length !== 6 || prefix !== 'arn' || service !== 'sqs' || !accountId || !queueName) return undefined;
  return { accountId, queueName };
}

/** An approximate count as SQS reports it (a decimal string); absent counts as 0. */
function count(value: string | undefined): number {
  const parsed = Number(value ?? '0');
  return Number.isFinite(parsed) ? parsed : 0;
}

export class SqsQueueDepths implements QueueDepths {
  /** Dead-letter queue URLs by ARN: a queue's URL never changes, so each is looked up once per container. */
  private readonly deadLetterUrls = new Map<string, string>();

  constructor(
    private readonly client: SQSClient,
    private readonly queues: { name: string; url: string }[],
  ) {}

  /**
   * The approximate counts of every queue, with its dead-letter queue's visible messages when it has a redrive policy.
   * @throws the SDK's error when a queue (or its dead-letter queue) cannot be read
   */
  async depths(): Promise<QueueDepth[]> {
    return Promise.all(this.queues.map((queue) => this.depthOf(queue)));
  }

  private async depthOf(queue: { name: string; url: string }): Promise<QueueDepth> {
    const attributes = await this.attributes(queue.url, DEPTH_ATTRIBUTES);
    const depth: QueueDepth = {
      queue: queue.name,
      visible: count(attributes.ApproximateNumberOfMessages),
      inFlight: count(attributes.ApproximateNumberOfMessagesNotVisible),
      delayed: count(attributes.ApproximateNumberOfMessagesDelayed),
    };
    const deadLetterArn = this.deadLetterArnOf(attributes.RedrivePolicy);
    if (deadLetterArn === undefined) return depth;
    const deadLetterUrl = await this.deadLetterUrl(deadLetterArn);
    const deadLetterAttributes = await this.attributes(deadLetterUrl, ['ApproximateNumberOfMessages']);
    return { ...depth, deadLetters: count(deadLetterAttributes.ApproximateNumberOfMessages) };
  }

  private async attributes(url: string, names: QueueAttributeName[]): Promise<Partial<Record<QueueAttributeName, string>>> {
    const { Attributes } = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }));
    return Attributes ?? {};
  }

  private deadLetterArnOf(redrivePolicy: string | undefined): string | undefined {
    if (redrivePolicy === undefined || redrivePolicy === '') return undefined;
    let json: unknown;
    try {
      json = JSON.parse(redrivePolicy);
    } catch {
      return undefined;
    }
    const parsed = redrivePolicySchema.safeParse(json);
    return parsed.success ? parsed.data.deadLetterTargetArn : undefined;
  }

  private async deadLetterUrl(arn: string): Promise<string> {
    const known = this.deadLetterUrls.get(arn);
    if (known !== undefined) return known;
    const parsed = parseQueueArn(arn);
    if (parsed === undefined) throw new Error(`RedrivePolicy names ${arn}, which is not an SQS queue ARN`);
    const { QueueUrl } = await this.client.send(new GetQueueUrlCommand({ QueueName: parsed.queueName, QueueOwnerAWSAccountId: parsed.accountId }));
    if (QueueUrl === undefined) throw new Error(`SQS returned no URL for dead-letter queue ${parsed.queueName}`);
    this.deadLetterUrls.set(arn, QueueUrl);
    return QueueUrl;
  }
}
