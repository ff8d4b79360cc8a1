// Small text helpers the CLI's commands share: counts with thousands separators, plurals and ISO times to the second
// (lib/domain/text.ts, which use cases write with too), and one-line reasons.
export { count, isoSeconds, plural } from '../domain/text.js';

/** A multi-line reason on one line. */
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();
