// The service metrics every function flushes at the end of an invocation. Its own module, so the receivers can have
// them without importing lib/wiring/parts.ts (and, through it, the DynamoDB client).
import { PowertoolsServiceMetrics } from '../adapters/powertools-service-metrics.js';
import { logger, metrics } from '../observability.js';
import type { ServiceMetrics } from '../ports.js';

/** The service metrics (EMF through Powertools), counted per invocation and flushed by lib/edge/metrics.ts. */
export const serviceMetrics = (): ServiceMetrics => new PowertoolsServiceMetrics(metrics, logger);
