// A Klaviyo metric event as we build it, and its Create Event request body (JSON:API, revision 2026-04-15+).

/** Scalar or nested JSON value allowed in event properties. */
export type PropertyValue = string | number | boolean | PropertyValue[] | { [key: string]: PropertyValue };

export interface KlaviyoProfile {
  email?: string;
  phoneNumber?: string;
  firstName?: string;
  lastName?: string;
  location?: { city?: string; region?: string; zip?: string; country?: string };
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
