// Alerts on SNS: an operator alert becomes one Publish to the alerts topic (e-mail and other subscribers fan out from
// there), with a subject SNS accepts and the account id as a message attribute for subscription filter policies.
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Alert, Alerts } from '../ports.js';

/** SNS refuses a Subject over 100 characters (the API reference says "less than 100"; the service accepts 100). */
export const SNS_SUBJECT_MAX_CHARS = 100;

/** Typographic characters that have a plain ASCII spelling, kept rather than dropped. */
const ASCII_SPELLINGS: [RegExp, string][] = [
  [/[\u2018\u2019\u201A\u201B\u2032]/g, "'"],
  [/[\u201C\u201D\u201E\u201F\u2033]/g, '"'],
  [/[\u2010-\u2015\u2212]/g, '-'],
  [/\u2192/g, '->'],
];

/**
 * A subject SNS accepts: printable ASCII only (line breaks and control characters become spaces, accents fall back to
 * their base letter, anything else non-ASCII is dropped), no leading space, at most 100 characters (cut with "...").
 * @returns undefined when nothing printable is left
 */
export function toSnsSubject(subject: string): string | undefined {
  let text = subject.normalize('NFKD');
  for (const [pattern, ascii] of ASCII_SPELLINGS) text = text.replace(pattern, ascii);
  text = text
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/[^ -~]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (text === '') return undefined;
  if (text.length <= SNS_SUBJECT_MAX_CHARS) return text;
  return `${text.slice(0, SNS_SUBJECT_MAX_CHARS - 3).trimEnd()}...`;
}

/**
 * Alerts published to one SNS topic; SDK errors (unknown topic, refused input, retries spent) propagate. The client may
 * be given as a promise of one (lib/adapters/aws-sns-client.ts loads the SDK on the first alert).
 */
export class SnsAlerts implements Alerts {
  constructor(
    private readonly client: SNSClient | (() => Promise<SNSClient>),
    private readonly topicArn: string,
  ) {}

  async send(alert: Alert): Promise<void> {
    const client = typeof this.client === 'function' ? await this.client() : this.client;
    const { PublishCommand } = await import('@aws-sdk/client-sns');
    await client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: toSnsSubject(alert.subject) ?? toSnsSubject(`Alert for account ${alert.accountId}`),
        Message: alert.message,
        MessageAttributes: { accountId: { DataType: 'String', StringValue: alert.accountId } },
      }),
    );
  }
}
