// Klaviyo only takes E.164 phone numbers; an invalid one fails the whole event, so it is dropped instead.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * Normalises a phone number to E.164 using the ship-to country as the default region.
 * @returns the E.164 number, or undefined when it is missing or not a valid number
 */
export function toE164(raw: string | null | undefined, country: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined || raw.trim() === '') return undefined;
  const region = country !== null && country !== undefined && /^[A-Za-z]{2}$/.test(country.trim()) ? (country.trim().toUpperCase() as CountryCode) : undefined;
  try {
    const parsed = parsePhoneNumberFromString(raw.trim(), region === undefined ? undefined : { defaultCountry: region });
    return parsed !== undefined && parsed.isValid() ? parsed.number : undefined;
  } catch {
    return undefined;
  }
}
