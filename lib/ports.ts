// Ports: what use cases need from the outside world, one module per collaborator under lib/ports/. Adapters in
// lib/adapters implement them; tests use fakes (test/fakes), and test/contracts runs each store's fake and its
// DynamoDB adapter through one spec.
export type * from './ports/clock.js';
export type * from './ports/accounts.js';
export type * from './ports/queues.js';
export type * from './ports/shipstation.js';
export type * from './ports/shipstation-v2.js';
export type * from './ports/klaviyo.js';
export type * from './ports/credentials.js';
export type * from './ports/alerts.js';
export type * from './ports/metrics.js';
export type * from './ports/event-ledger.js';
export type * from './ports/order-state.js';
export type * from './ports/shipment-tracking.js';
export type * from './ports/poll-cursor.js';
