// publish-events → publishUpdate → (order state, event ledger in DynamoDB) → Klaviyo Create Event.
// Exactly once: the order state decides which event a snapshot implies, the ledger lets one worker send it once,
// Klaviyo's unique_id is the second line of defence.
import type { UpdateQueue } from '../ports.js';
import { deliverLive } from './sending.js';
import { makeSnapshotPublisher, type PublishSnapshot, type SnapshotPublisherDeps } from './snapshot-publisher.js';

/** The ports the live path shares with every snapshot publisher (makePublishUpdate adds the updates queue). */
export type PublishUpdateDeps = SnapshotPublisherDeps;

/** Publishes one live snapshot (from publish-events): at most one Klaviyo event, exactly once, sent at once. */
export type PublishUpdate = PublishSnapshot;

/** Builds the use case that turns one snapshot into at most one Klaviyo event, exactly once, sent at once. */
export function makePublishUpdate(deps: PublishUpdateDeps & { updates: UpdateQueue }): PublishUpdate {
  return makeSnapshotPublisher(deps, deliverLive(deps), (snapshot) => deps.updates.enqueueAll([snapshot], deps.orderWaitSeconds));
}
