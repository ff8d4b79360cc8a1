// Klaviyo only takes E.164 phone numbers; an invalid one fails the whole event, so it is dropped instead.
// libphonenumber-js's metadata (the "min" set its default entry uses, 83 KB) is data, not code: it is read from
// libphonenumber-js/metadata.min.json on the first number, so it is not in the Lambda bundles' JavaScript and costs
// nothing at cold start. serverless.yml packs that file beside every bundle that normalises phones.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parsePhoneNumberFromString, type CountryCode, type MetadataJson } from 'libphonenumber-js/core';

let loaded: MetadataJson | undefined;

/** The phone metadata, read once (from node_modules in a checkout, from the zip's copy in a Lambda). */
function phoneMetadata(): MetadataJson {
  loaded ??= JSON.parse(readFileSync(createRequire(import.meta.url).resolve('libphonenumber-js/metadata.min.json'), 'utf8')) as MetadataJson;
  return loaded;
}

/**
 * Normalises a phone number to E.164 using the ship-to country as the default region.
 * @returns the E.164 number, or undefined when it is missing or not a valid number
 */
export function toE164(raw: string | null | undefined, country: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined || raw.trim() === '') return undefined;
  const region = country !== null && country !== undefined && /^[A-Za-z]{2}$/.test(country.trim()) ? (country.trim().toUpperCase() as CountryCode) : undefined;
  // Outside the try: metadata that cannot be read fails the record (retried, then dead-lettered), not every phone.
  const metadata = phoneMetadata();
  try {
    const parsed = parsePhoneNumberFromString(raw.trim(), region === undefined ? {} : { defaultCountry: region }, metadata);
    return parsed !== undefined && parsed.isValid() ? parsed.number : undefined;
  } catch {
    return undefined;
  }
}
