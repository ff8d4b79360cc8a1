// A Klaviyo metric event as we build it, and its Create Event request body (JSON:API, revision 2026-04-15+).
import * as z from './zod.js';
import { BadInputError } from './errors.js';

/** Scalar or nested JSON value allowed in event properties. */
export type PropertyValue = string | number | boolean | PropertyValue[] | { [key: string]: PropertyValue };

export interface KlaviyoProfile {
  email?: string;
  phoneNumber?: string;
  firstName?: string;
  lastName?: string;
  location?: { city?: string; region?: string; zip?: string; country?: string };
  /** The order had an email no one can receive mail at: left out (never sent), named in a dead-letter reason. */
  emailRejected?: true;
}

export interface KlaviyoEvent {
  accountId: string;
  metric: string;
  /** Real instant of the change, UTC ISO-8601. */
  time: string;
  uniqueId: string;
  /** Order total, when known. */
  value?: number;
  properties: Record<string, PropertyValue>;
  profile: KlaviyoProfile;
  /** Recorded without triggering flows (history and late catch-up). */
  backfill: boolean;
  /** The order the event is about, for logs and dead-letter records. */
  orderId: number;
}

const compact = <T extends Record<string, unknown>>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as T;

/** Profile attributes in Klaviyo's snake_case; empty fields are left out. */
export function profileAttributes(profile: KlaviyoProfile): Record<string, unknown> {
  const location = profile.location === undefined ? undefined : compact(profile.location);
  return compact({
    email: profile.email,
    phone_number: profile.phoneNumber,
    first_name: profile.firstName,
    last_name: profile.lastName,
    location: location !== undefined && Object.keys(location).length > 0 ? location : undefined,
  });
}

/** The event's attributes inside a Create Event or a Bulk Create Events entry (without the profile). */
export function eventAttributes(event: KlaviyoEvent): Record<string, unknown> {
  return compact({
    properties: event.properties,
    time: event.time,
    value: event.value,
    unique_id: event.uniqueId,
    metric: { data: { type: 'metric', attributes: { name: event.metric } } },
    backfill: event.backfill ? true : undefined,
  });
}

/** The body of `POST /api/events`. */
export function createEventBody(event: KlaviyoEvent): { data: { type: 'event'; attributes: Record<string, unknown> } } {
  return {
    data: {
      type: 'event',
      attributes: {
        ...eventAttributes(event),
        profile: { data: { type: 'profile', attributes: profileAttributes(event.profile) } },
      },
    },
  };
}

/** Whether Klaviyo can attach the event to someone: it needs an email or a phone number. */
export function hasProfileIdentifier(profile: KlaviyoProfile): boolean {
  return (profile.email ?? '') !== '' || (profile.phoneNumber ?? '') !== '';
}

const propertyValueSchema: z.ZodMiniType<PropertyValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.array(propertyValueSchema), z.record(z.string(), propertyValueSchema)]),
);

/** What {@link createEventBody} writes; read back from a dead-letter record, so it is checked, not trusted. */
const createEventBodySchema = z.object({
  data: z.object({
    type: z.literal('event'),
    attributes: z.object({
      properties: z.record(z.string(), propertyValueSchema),
      time: z.string().check(z.minLength(1)),
      value: z.optional(z.number()),
      unique_id: z.string().check(z.minLength(1)),
      metric: z.object({ data: z.object({ type: z.literal('metric'), attributes: z.object({ name: z.string().check(z.minLength(1)) }) }) }),
      backfill: z.optional(z.boolean()),
      profile: z.object({
        data: z.object({
          type: z.literal('profile'),
          attributes: z.object({
            email: z.optional(z.string()),
            phone_number: z.optional(z.string()),
            first_name: z.optional(z.string()),
            last_name: z.optional(z.string()),
            location: z.optional(
              z.object({ city: z.optional(z.string()), region: z.optional(z.string()), zip: z.optional(z.string()), country: z.optional(z.string()) }),
            ),
          }),
        }),
      }),
    }),
  }),
});

/**
 * The inverse of {@link createEventBody}: the event a stored Create Event body was built from, so a dead-lettered event
 * can be sent again through the same path (ledger claim, Klaviyo adapter, dead-lettering) as a live one. The account
 * and the order are not in the body; the dead-letter record carries them.
 * @throws BadInputError when the body is not one createEventBody writes
 */
export function eventFromCreateEventBody(body: unknown, source: { accountId: string; orderId: number }): KlaviyoEvent {
  const parsed = createEventBodySchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
      .join('; ');
    throw new BadInputError(`not a Create Event body: ${issues}`);
  }
  const attributes = parsed.data.data.attributes;
  const profile = attributes.profile.data.attributes;
  return {
    accountId: source.accountId,
    metric: attributes.metric.data.attributes.name,
    time: attributes.time,
    uniqueId: attributes.unique_id,
    ...(attributes.value === undefined ? {} : { value: attributes.value }),
    properties: attributes.properties,
    profile: compact({
      email: profile.email,
      phoneNumber: profile.phone_number,
      firstName: profile.first_name,
      lastName: profile.last_name,
      location: profile.location,
    }),
    backfill: attributes.backfill === true,
    orderId: source.orderId,
  };
}
