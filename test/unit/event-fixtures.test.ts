// The sample events under events/ (used with `serverless invoke local`) stay valid for the handlers they belong to.
import { readdirSync, readFileSync } from 'node:fs';
import type { SQSEvent } from 'aws-lambda';
import type * as z from 'zod';
import { pollJobSchema } from '../../lib/domain/poll-plan.js';
import { historyMessageSchema, notificationMessageSchema, snapshotSchema } from '../../lib/domain/snapshot.js';

const bodySchemas: Record<string, z.ZodType> = {
  'fetch-resource': notificationMessageSchema,
  'publish-events': snapshotSchema,
  'poll-shipstation': pollJobSchema,
  'publish-history': historyMessageSchema,
};

const fixtures = Object.keys(bodySchemas).flatMap((fn) =>
  readdirSync(`events/${fn}`).map((file) => [fn, `events/${fn}/${file}`] as const));

describe('events/ fixtures', () => {
  it.each(fixtures)('%s: %s holds SQS records whose bodies the handler accepts', (fn, path) => {
    // Prepare
    const event = JSON.parse(readFileSync(path, 'utf8')) as SQSEvent;

    // Act
    const problems = event.Records.flatMap((record) => {
      const parsed = (bodySchemas[fn] as z.ZodType).safeParse(JSON.parse(record.body));
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    });

    // Assess
    expect(event.Records.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
