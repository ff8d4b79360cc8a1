// The container's DynamoDB client, created on first use (so a local run or a test can point the endpoint first). One
// module per SDK client: a function imports only the clients it uses.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

let dynamodb: DynamoDBClient | undefined;

/** The container's DynamoDB client (endpoint from AWS_ENDPOINT_URL_DYNAMODB when set). */
export function dynamoDbClient(): DynamoDBClient {
  dynamodb ??= new DynamoDBClient({});
  return dynamodb;
}
