// Counts, plurals and ISO times to the second, as every operator-facing text writes them (the CLI, status, doctor).

/** `1,234`. */
export const count = (n: number): string => n.toLocaleString('en-US');

/** `1 request`, `2 requests`. */
export const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/** `2026-07-05T16:00:00Z`: an ISO time without its milliseconds. */
export const isoSeconds = (time: string): string => time.replace(/\.\d+Z$/, 'Z');
