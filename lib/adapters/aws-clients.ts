// AWS SDK v3 clients, created once per container (lazily, so a local run or a test can point the endpoint first).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

let dynamodb: DynamoDBClient | undefined;
let sqs: SQSClient | undefined;
let sns: SNSClient | undefined;

/** The container's DynamoDB client (endpoint from AWS_ENDPOINT_URL_DYNAMODB when set). */
export function dynamoDbClient(): DynamoDBClient {
  dynamodb ??= new DynamoDBClient({});
  return dynamodb;
}

/** The container's SQS client (endpoint from AWS_ENDPOINT_URL_SQS when set). */
export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({});
  return sqs;
}

/** The container's SNS client (endpoint from AWS_ENDPOINT_URL_SNS when set). */
export function snsClient(): SNSClient {
  sns ??= new SNSClient({});
  return sns;
}
