// Small text helpers the CLI's commands share: counts with thousands separators, plurals, one-line reasons, ISO times
// to the second.

/** `1,234`. */
export const count = (n: number): string => n.toLocaleString('en-US');

/** `1 request`, `2 requests`. */
export const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/** A multi-line reason on one line. */
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

/** `2026-07-05T16:00:00Z`: an ISO time without its milliseconds. */
export const isoSeconds = (time: string): string => time.replace(/\.\d+Z$/, 'Z');
