// A small stand-in for Lambda's SQS event source mapping and API Gateway's HTTP API, so the same handlers run
// locally: queue records are received, handed over as an SQSEvent, deleted unless reported in batchItemFailures,
// and otherwise left to reappear after the visibility timeout (and reach the DLQ after maxReceiveCount).
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** A Lambda context good enough for Powertools and middy. */
export function lambdaContext(functionName: string, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** SQS messages as Lambda delivers them. */
export function toSqsEvent(messages: Message[], queueArn: string): SQSEvent {
  const records: SQSRecord[] = messages.map((m) => ({
    messageId: m.MessageId ?? randomUUID(),
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, { dataType: v.DataType ?? 'String', stringValue: v.StringValue }]),
    ),
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  }));
  return { Records: records };
}

export interface QueueConsumer {
  /** Receives once and runs the handler; returns how many records were handed over. */
  pollOnce(): Promise<number>;
  stop(): Promise<void>;
}

/** Called after every local invocation with its function and duration: what the benchmark turns into Lambda cost. */
export type InvocationListener = (functionName: string, durationMs: number) => void;
const invocationListeners = new Set<InvocationListener>();

/** Listens to every local invocation until the returned function is called. */
export function onInvocation(listener: InvocationListener): () => void {
  invocationListeners.add(listener);
  return () => void invocationListeners.delete(listener);
}

/** Runs one invocation of a handler and tells the listeners how long it took. */
export async function invoke<R>(functionName: string, run: () => Promise<R>): Promise<R> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    const durationMs = performance.now() - started;
    for (const listener of invocationListeners) listener(functionName, durationMs);
  }
}

/**
 * Consumes a queue with a handler, like an event source mapping with ReportBatchItemFailures.
 * @param options.loop when true, keeps polling until stopped; tests drive `pollOnce` themselves instead
 */
export function consumeQueue(options: {
  sqs: SQSClient;
  queueUrl: string;
  functionName: string;
  handler: SqsHandler;
  batchSize?: number;
  /** The function's timeout, for the context's getRemainingTimeInMillis (default 30 s). */
  timeoutMs?: number;
  loop?: boolean;
  idleMs?: number;
  /**
   * Like the event source mapping's maximumBatchingWindow: keeps receiving until the batch is full, the window has
   * passed or the queue is empty, so a backlog is handed over in full batches.
   */
  batchWindowMs?: number;
  onError?: (error: unknown) => void;
}): QueueConsumer {
  let running = options.loop ?? false;
  const queueArn = `arn:aws:sqs:us-east-1:000000000000:${options.queueUrl.split('/').pop() ?? 'queue'}`;
  const batchSize = options.batchSize ?? 10;
  const receive = async (max: number): Promise<Message[]> => {
    const { Messages } = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: 0,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages ?? [];
  };
  const pollOnce = async (): Promise<number> => {
    const received = await receive(batchSize);
    const deadline = Date.now() + (options.batchWindowMs ?? 0);
    while (received.length > 0 && received.length < batchSize && Date.now() < deadline) {
      const more = await receive(batchSize - received.length);
      if (more.length === 0) break;
      received.push(...more);
    }
    // local-aws-sqs can return one message twice in a response; Lambda never does.
    const unique = [...new Map(received.map((m) => [m.MessageId, m])).values()];
    if (unique.length === 0) return 0;
    const event = toSqsEvent(unique, queueArn);
    let failed: Set<string>;
    try {
      const response = await invoke(options.functionName, () => options.handler(event, lambdaContext(options.functionName, options.timeoutMs)));
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      options.onError?.(error);
      failed = new Set(event.Records.map((r) => r.messageId));
    }
    const done = event.Records.filter((r) => !failed.has(r.messageId));
    if (done.length > 0) {
      await options.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })) }),
      );
    }
    return unique.length;
  };
  const loop = (async () => {
    while (running) {
      try {
        const count = await pollOnce();
        if (count === 0) await new Promise((resolve) => setTimeout(resolve, options.idleMs ?? 100));
      } catch (error) {
        options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  })();
  return {
    pollOnce,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Decodes a path segment as API Gateway does; malformed percent-encoding is kept as sent instead of throwing. */
const safeDecode = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/** One `POST` route of the local HTTP API: a path template with `{name}` parameters, and the function behind it. */
export interface HttpRoute {
  /** e.g. `/webhooks/tracking/{accountId}`, as in serverless.yml */
  path: string;
  handler: HttpHandler;
  functionName: string;
}

/** The V1 webhook route, which a caller passing one handler gets. */
export const WEBHOOK_ROUTE_PATH = '/webhooks/shipstation/{accountId}';
/** The V2 tracking webhook route. */
export const TRACKING_ROUTE_PATH = '/webhooks/tracking/{accountId}';

/** Content types API Gateway hands over as text; any other body arrives base64-encoded. */
const TEXT_CONTENT_TYPE = /^(text\/|application\/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|javascript|x-www-form-urlencoded)\b)/i;

const compileRoute = (route: HttpRoute): { route: HttpRoute; pattern: RegExp; names: string[] } => {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param === null) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1] ?? '');
      return '([^/?]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
};

/**
 * API Gateway HTTP API (payload 2.0) in front of `POST` routes: by default one handler for the V1 webhook route
 * (`POST /webhooks/shipstation/{accountId}`), or a list of routes. Each request becomes the event API Gateway would
 * send: routeKey, rawPath, lowercased headers and the body exactly as received (text as is, anything else base64).
 */
export async function serveHttpApi(
  options: ({ handler: HttpHandler; functionName: string } | { routes: HttpRoute[] }) & { port?: number; host?: string },
): Promise<{ url: string; statuses: number[]; close(): Promise<void> }> {
  const routes = ('routes' in options ? options.routes : [{ path: WEBHOOK_ROUTE_PATH, handler: options.handler, functionName: options.functionName }]).map(
    compileRoute,
  );
  /** Status of every response, in order: what the webhook sender saw. */
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // API Gateway's own payload limit is 10 MB; beyond that it answers 413 without invoking the function.
      if (size <= 10 * 1024 * 1024) chunks.push(chunk);
    });
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const matched = routes.flatMap((r) => {
          const match = r.pattern.exec(url.pathname);
          return match === null ? [] : [{ ...r, match }];
        })[0];
        if (req.method !== 'POST' || matched === undefined) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
          return;
        }
        if (size > 10 * 1024 * 1024) {
          res.writeHead(413, { 'content-type': 'application/json' }).end('{"message":"Request Entity Too Large"}');
          return;
        }
        const { route, match, names } = matched;
        const routeKey = `POST ${route.path}`;
        const bytes = Buffer.concat(chunks);
        const contentType = req.headers['content-type'];
        const text = contentType === undefined || TEXT_CONTENT_TYPE.test(contentType);
        const event: APIGatewayProxyEventV2 = {
          version: '2.0',
          routeKey,
          rawPath: url.pathname,
          rawQueryString: url.search.slice(1),
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')])),
          queryStringParameters: url.search === '' ? undefined : Object.fromEntries(url.searchParams.entries()),
          pathParameters: Object.fromEntries(names.map((name, i) => [name, safeDecode(match[i + 1] ?? '')])),
          requestContext: {
            accountId: '000000000000',
            apiId: 'local',
            domainName: 'localhost',
            domainPrefix: 'localhost',
            http: {
              method: 'POST',
              path: url.pathname,
              protocol: 'HTTP/1.1',
              sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
              userAgent: req.headers['user-agent'] ?? '',
            },
            requestId: randomUUID(),
            routeKey,
            stage: '$default',
            time: new Date().toISOString(),
            timeEpoch: Date.now(),
          },
          body: text ? bytes.toString('utf8') : bytes.toString('base64'),
          isBase64Encoded: !text,
        };
        try {
          const result = await invoke(route.functionName, () => route.handler(event, lambdaContext(route.functionName, 10_000)));
          statuses.push(result.statusCode ?? 200);
          res.writeHead(result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>).end(result.body ?? '');
        } catch {
          statuses.push(500);
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Internal Server Error"}');
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    statuses,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
