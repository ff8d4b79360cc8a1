// The one zod the service uses: zod/mini (functions, not methods, so a bundle keeps only what it calls) with zod's
// English messages, set once here. Everything in lib/ imports `* as z` from this module, never 'zod' itself.
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
/** What a failed parse throws (a classic zod error is one too); here because `z.core` would bundle all of zod core. */
export { $ZodError as ZodError } from 'zod/v4/core';
