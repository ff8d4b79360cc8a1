// An in-process SNS stand-in for the local run and the integration tests (no SNS emulator can be installed here):
// SNSClient → HTTP POST on loopback → Publish checked as SNS checks it → recorded in `published` → awsQuery XML answer.
// It speaks the protocol @aws-sdk/client-sns uses, awsQuery: a form-encoded body (`Action=Publish&Version=2010-03-31&…`,
// message attributes as `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`) answered with
// `<PublishResponse><PublishResult><MessageId>` or `<ErrorResponse><Error><Type/><Code/><Message/></Error>`.
// Only Publish to the one topic it creates is implemented; signatures are required but not verified.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One message SNS accepted, as a subscriber would see it. */
export interface PublishedMessage {
  topicArn: string;
  subject?: string;
  message: string;
  /** Message attributes by name: StringValue for String/Number types, base64 for Binary. */
  attributes: Record<string, string>;
  at: Date;
}

export interface SnsStandInOptions {
  /** Region of the topic ARN (default us-east-1). */
  region?: string;
  /** Called for each message accepted. */
  onPublish?: (message: PublishedMessage) => void;
}

export interface SnsStandIn {
  endpoint: string;
  /** The topic it created: arn:aws:sns:<region>:000000000000:shipstation-klaviyo-sync-alerts. */
  topicArn: string;
  /** Every message accepted, oldest first. */
  published: PublishedMessage[];
  /**
   * Answers the next `count` requests with `status` (default 500 InternalError) and SNS's error body for it. Each HTTP
   * attempt counts, SDK retries included: with the SDK's default 3 attempts, `failNext(2)` still ends in one accepted
   * publish and `failNext(3)` makes the send throw. 5xx and 429 are retried by the SDK; 400, 403 and 404 are not.
   */
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

const ACCOUNT_ID = '000000000000';
const TOPIC_NAME = 'shipstation-klaviyo-sync-alerts';
const XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
/** SNS's limit for a message with its attributes (256 KB). */
const MAX_MESSAGE_BYTES = 262_144;
const MAX_SUBJECT_CHARS = 100;
const MAX_ATTRIBUTES = 10;
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const ATTRIBUTE_TYPE = /^(String|Number|Binary|String\.Array)(\.[^\s]+)?$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** The error SNS answers with: HTTP status, `Type` (Sender: the caller's fault) and `Code`. */
class SnsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = 'SnsError';
  }
}

/** The error `failNext` answers with for a status, as real SNS would send it. */
function injectedError(status: number): SnsError {
  switch (status) {
    case 400:
      return new SnsError(400, 'InvalidParameter', 'Invalid parameter: injected failure');
    case 403:
      return new SnsError(403, 'AuthorizationError', 'User is not authorized to perform: SNS:Publish');
    case 404:
      return new SnsError(404, 'NotFound', 'Topic does not exist');
    case 429:
      return new SnsError(429, 'Throttled', 'Rate exceeded');
    case 503:
      return new SnsError(503, 'ServiceUnavailable', 'Service is unavailable', 'Receiver');
    default:
      return new SnsError(status, 'InternalError', 'Internal Error', 'Receiver');
  }
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

function reply(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
  response.end(body);
}

function replyError(response: ServerResponse, error: SnsError): void {
  reply(
    response,
    error.status,
    `<ErrorResponse xmlns="${XML_NAMESPACE}">
  <Error>
    <Type>${error.type}</Type>
    <Code>${escapeXml(error.code)}</Code>
    <Message>${escapeXml(error.message)}</Message>
  </Error>
  <RequestId>${randomUUID()}</RequestId>
</ErrorResponse>
`,
  );
}

/** Reads `MessageAttributes.entry.N.*` and checks names, types and values as SNS does. */
function readAttributes(params: URLSearchParams): { attributes: Record<string, string>; bytes: number } {
  const attributes: Record<string, string> = {};
  let bytes = 0;
  for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n += 1) {
    const prefix = `MessageAttributes.entry.${n}`;
    const name = params.get(`${prefix}.Name`) ?? '';
    const type = params.get(`${prefix}.Value.DataType`) ?? '';
    const value = type.startsWith('Binary') ? (params.get(`${prefix}.Value.BinaryValue`) ?? '') : (params.get(`${prefix}.Value.StringValue`) ?? '');
    if (n > MAX_ATTRIBUTES)
      throw new SnsError(
        400,
        'InvalidParameter',
        `Invalid parameter: MessageAttributes Reason: Number of message attributes [${n}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
      );
    if (!ATTRIBUTE_NAME.test(name) || /^(aws|amazon)\./i.test(name))
      throw new SnsError(400, 'ParameterValueInvalid', `The message attribute name '${name}' is invalid.`);
    if (name in attributes) throw new SnsError(400, 'ParameterValueInvalid', `The message attribute '${name}' is specified more than once.`);
    if (type === '') throw new SnsError(400, 'ParameterValueInvalid', `The message attribute '${name}' must contain non-empty message attribute type.`);
    if (!ATTRIBUTE_TYPE.test(type))
      throw new SnsError(
        400,
        'ParameterValueInvalid',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    if (value === '')
      throw new SnsError(
        400,
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
      );
    if (type.startsWith('Number') && !Number.isFinite(Number(value)))
      throw new SnsError(400, 'ParameterValueInvalid', `Could not cast message attribute '${name}' value to number.`);
    attributes[name] = value;
    bytes += Buffer.byteLength(name) + Buffer.byteLength(type) + Buffer.byteLength(value);
  }
  return { attributes, bytes };
}

/** Checks a Publish request as SNS does and returns the message it would deliver. */
function readPublish(params: URLSearchParams, topics: Set<string>): PublishedMessage {
  const topicArn = params.get('TopicArn') ?? params.get('TargetArn');
  if (topicArn === null) throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
  if (!TOPIC_ARN.test(topicArn)) throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: TopicArn');
  if (params.has('PhoneNumber')) throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: PhoneNumber Reason: not supported by this stand-in');
  const message = params.get('Message') ?? '';
  if (message === '') throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: Empty message');
  const subject = params.get('Subject') ?? undefined;
  // SNS: printable ASCII, not starting with a space, 1 to 100 characters ("Invalid parameter: Subject" for all of them).
  if (subject !== undefined && (subject.length === 0 || subject.length > MAX_SUBJECT_CHARS || !/^[!-~][ -~]*$/.test(subject))) {
    throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: Subject');
  }
  const { attributes, bytes } = readAttributes(params);
  if (Buffer.byteLength(message) + bytes > MAX_MESSAGE_BYTES) throw new SnsError(400, 'InvalidParameter', 'Invalid parameter: Message too long');
  if (!topics.has(topicArn)) throw new SnsError(404, 'NotFound', 'Topic does not exist');
  return { topicArn, ...(subject === undefined ? {} : { subject }), message, attributes, at: new Date() };
}

/** Starts the stand-in on 127.0.0.1 (a free port) with the alerts topic created. */
export async function startSnsStandIn(options: SnsStandInOptions = {}): Promise<SnsStandIn> {
  const region = options.region ?? 'us-east-1';
  const topicArn = `arn:aws:sns:${region}:${ACCOUNT_ID}:${TOPIC_NAME}`;
  const topics = new Set([topicArn]);
  const published: PublishedMessage[] = [];
  const failures: number[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    const injected = failures.shift();
    if (injected !== undefined) throw injectedError(injected);
    if (request.method !== 'POST') throw new SnsError(400, 'InvalidAction', 'Only POST with a form-encoded body is supported by this stand-in');
    if (!request.headers.authorization?.startsWith('AWS4-HMAC-SHA256 ')) {
      throw new SnsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    }
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    if (action !== 'Publish') throw new SnsError(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    const message = readPublish(params, topics);
    const messageId = randomUUID();
    published.push(message);
    options.onPublish?.(message);
    reply(
      response,
      200,
      `<PublishResponse xmlns="${XML_NAMESPACE}">
  <PublishResult>
    <MessageId>${messageId}</MessageId>
  </PublishResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</PublishResponse>
`,
    );
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      replyError(response, error instanceof SnsError ? error : new SnsError(500, 'InternalError', 'Internal Error', 'Receiver'));
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

  return {
    endpoint: `http://127.0.0.1:${port}`,
    topicArn,
    published,
    failNext: (count, status = 500) => {
      for (let i = 0; i < count; i += 1) failures.push(status);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
