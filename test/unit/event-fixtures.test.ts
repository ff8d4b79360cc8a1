// The sample events under events/ (used with `serverless invoke local`) stay valid for the handlers they belong to.
import { readdirSync, readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import type * as z from '../../lib/domain/zod.js';
import { pollJobSchema } from '../../lib/domain/poll-plan.js';
import { historyQueueMessageSchema, notificationMessageSchema, snapshotSchema } from '../../lib/domain/snapshot.js';
import { trackEventV2Schema, trackingUpdateFrom } from '../../lib/normalise/tracking.js';

const bodySchemas: Record<string, z.ZodMiniType> = {
  'fetch-resource': notificationMessageSchema,
  'publish-events': snapshotSchema,
  'poll-shipstation': pollJobSchema,
  'publish-history': historyQueueMessageSchema,
};

const fixtures = Object.keys(bodySchemas).flatMap((fn) => readdirSync(`events/${fn}`).map((file) => [fn, `events/${fn}/${file}`] as const));

describe('events/ fixtures', () => {
  it.each(fixtures)('%s: %s holds SQS records whose bodies the handler accepts', (fn, path) => {
    // Prepare
    const event = JSON.parse(readFileSync(path, 'utf8')) as SQSEvent;

    // Act
    const problems = event.Records.flatMap((record) => {
      const parsed = (bodySchemas[fn] as z.ZodMiniType).safeParse(JSON.parse(record.body));
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    });

    // Assess
    expect(event.Records.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});

describe('events/receive-tracking fixtures', () => {
  it.each(readdirSync('events/receive-tracking').map((file) => `events/receive-tracking/${file}`))(
    '%s is a tracking webhook on the tracking route whose body normalises',
    (path) => {
      // Prepare
      const event = JSON.parse(readFileSync(path, 'utf8')) as APIGatewayProxyEventV2;

      // Act
      const body = trackEventV2Schema.parse(JSON.parse(event.body ?? ''));
      const normalised = trackingUpdateFrom('default', body, new Date(event.requestContext.timeEpoch));

      // Assess
      expect(event.routeKey).toBe('POST /webhooks/tracking/{accountId}');
      expect(normalised.ok).toBe(true);
    },
  );
});
