// Captures the EMF documents Powertools Metrics writes to stdout, for the metrics adapters' tests.
import { afterEach, beforeEach, jest } from '@jest/globals';

export interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

const SAVED = ['POWERTOOLS_METRICS_DISABLED', 'POWERTOOLS_DEV'] as const;

/**
 * Turns EMF output on around each test of the calling file (the test setup turns it off, and POWERTOOLS_DEV would send
 * it to Jest's console instead of stdout) and returns a reader of the documents written so far.
 */
export function captureEmf(): () => EmfDocument[] {
  let saved: Record<string, string | undefined> = {};
  let written: string[] = [];
  beforeEach(() => {
    saved = Object.fromEntries(SAVED.map((name) => [name, process.env[name]]));
    for (const name of SAVED) delete process.env[name];
    written = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    for (const name of SAVED) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
  return () =>
    written
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as EmfDocument)
      .filter((doc) => doc._aws !== undefined);
}
