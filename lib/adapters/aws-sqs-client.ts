// The container's SQS client, created on first use (so a local run or a test can point the endpoint first). One module
// per SDK client: a function imports only the clients it uses.
import { SQSClient } from '@aws-sdk/client-sqs';

let sqs: SQSClient | undefined;

/** The container's SQS client (endpoint from AWS_ENDPOINT_URL_SQS when set). */
export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({});
  return sqs;
}
