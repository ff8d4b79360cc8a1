// Handler edge for metrics: whatever an invocation recorded is written once at its end, failed or not.
import type middy from '@middy/core';
import type { ServiceMetrics } from '../ports.js';

/** A middy middleware that flushes the service metrics after the handler (and after an error). */
export function flushMetrics<TEvent, TResult>(metrics: () => Promise<ServiceMetrics>): middy.MiddlewareObj<TEvent, TResult> {
  const flush = async (): Promise<void> => (await metrics()).flush();
  return { after: flush, onError: flush };
}
