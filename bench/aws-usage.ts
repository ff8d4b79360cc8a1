// What the handlers ask of AWS while the benchmark runs: DynamoDB capacity units (from the ConsumedCapacity dynalite
// computes like DynamoDB), SQS sends, Lambda invocations and their durations, and the bytes of log lines. The counts
// are turned into dollars in bench/cost.ts.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { onInvocation } from '../lib/local/lambda-runtime.js';

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);
const READS = new Set(['GetItemCommand', 'QueryCommand']);

export interface Usage {
  dynamoDbReadUnits: number;
  dynamoDbWriteUnits: number;
  dynamoDbRequests: number;
  /** SendMessage and SendMessageBatch requests made by the handlers (a batch of up to 10 is one request). */
  sqsSendRequests: number;
  invocations: Map<string, { count: number; ms: number }>;
  logBytes: number;
}

export const emptyUsage = (): Usage => ({
  dynamoDbReadUnits: 0,
  dynamoDbWriteUnits: 0,
  dynamoDbRequests: 0,
  sqsSendRequests: 0,
  invocations: new Map(),
  logBytes: 0,
});

/**
 * Write units DynamoDB charges for index entries, which dynalite leaves out of ConsumedCapacity: a ledger entry marked
 * sent enters the sparse sent-by-hour index (`status`), one more write unit (the projected entry is under 1 KB).
 */
function indexWriteUnits(command: string, input: unknown): number {
  const expression = (input as { UpdateExpression?: unknown }).UpdateExpression;
  return command === 'UpdateItemCommand' && typeof expression === 'string' && /\bsentHour = /.test(expression) ? 1 : 0;
}

/** Starts counting; the returned object is live until `stop()`. */
export function countUsage(clients: { dynamodb: DynamoDBClient; sqs: SQSClient }): { usage: Usage; stop(): void } {
  const usage = emptyUsage();
  let counting = true;
  clients.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      if (!counting || !(WRITES.has(command) || READS.has(command))) return next(args);
      usage.dynamoDbRequests += 1;
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const write = WRITES.has(command);
      try {
        const result = await next(args);
        const units = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity?.CapacityUnits ?? 1;
        if (write) usage.dynamoDbWriteUnits += units + indexWriteUnits(command, args.input);
        else usage.dynamoDbReadUnits += units;
        return result;
      } catch (error) {
        // A refused conditional write still costs at least one write unit.
        if (write) usage.dynamoDbWriteUnits += 1;
        throw error;
      }
    },
    { step: 'initialize', name: 'benchCountUsage' },
  );
  clients.sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (counting && (context.commandName === 'SendMessageCommand' || context.commandName === 'SendMessageBatchCommand')) usage.sqsSendRequests += 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCountUsage' },
  );
  const stopInvocations = onInvocation((functionName, ms) => {
    const seen = usage.invocations.get(functionName) ?? { count: 0, ms: 0 };
    usage.invocations.set(functionName, { count: seen.count + 1, ms: seen.ms + ms });
  });
  // Log lines are what Powertools writes to stdout (JSON, one per line); counted, not shown.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{')) {
      if (counting) usage.logBytes += Buffer.byteLength(text);
      return true;
    }
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  return {
    usage,
    stop: () => {
      counting = false;
      stopInvocations();
      process.stdout.write = write;
    },
  };
}

/** `later` minus `earlier`, field by field. */
export function usageBetween(earlier: Usage, later: Usage): Usage {
  const invocations = new Map<string, { count: number; ms: number }>();
  for (const [fn, value] of later.invocations) {
    const before = earlier.invocations.get(fn) ?? { count: 0, ms: 0 };
    if (value.count > before.count) invocations.set(fn, { count: value.count - before.count, ms: value.ms - before.ms });
  }
  return {
    dynamoDbReadUnits: later.dynamoDbReadUnits - earlier.dynamoDbReadUnits,
    dynamoDbWriteUnits: later.dynamoDbWriteUnits - earlier.dynamoDbWriteUnits,
    dynamoDbRequests: later.dynamoDbRequests - earlier.dynamoDbRequests,
    sqsSendRequests: later.sqsSendRequests - earlier.sqsSendRequests,
    invocations,
    logBytes: later.logBytes - earlier.logBytes,
  };
}

/** A copy of the usage so far (for `usageBetween`). */
export function snapshotUsage(usage: Usage): Usage {
  return { ...usage, invocations: new Map([...usage.invocations].map(([k, v]) => [k, { ...v }])) };
}

/** Usage as plain JSON (a child process hands its measured usage to bench/run.ts this way). */
export type UsageJson = Omit<Usage, 'invocations'> & { invocations: [string, { count: number; ms: number }][] };

export const usageToJson = (usage: Usage): UsageJson => ({ ...usage, invocations: [...usage.invocations] });

export const usageFromJson = (json: UsageJson): Usage => ({ ...json, invocations: new Map(json.invocations) });
