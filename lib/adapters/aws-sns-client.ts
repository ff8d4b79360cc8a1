// The container's SNS client, loaded and created on the first alert: operator alerts are rare, so no function pays for
// importing the SNS client at cold start.
import type { SNSClient } from '@aws-sdk/client-sns';

let sns: Promise<SNSClient> | undefined;

/** The container's SNS client (endpoint from AWS_ENDPOINT_URL_SNS when set), imported on first use. */
export function snsClient(): Promise<SNSClient> {
  sns ??= import('@aws-sdk/client-sns')
    .then(({ SNSClient: Client }) => new Client({}))
    .catch((error: unknown) => {
      // Not kept: the next alert tries again rather than fail for the container's life.
      sns = undefined;
      throw error;
    });
  return sns;
}
