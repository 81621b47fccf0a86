// Field types shared by every file and message of the run-directory contract.
import { z } from "zod";

/** The version of the on-disk contract this package writes. Readers accept <= this. */
export const SCHEMA_VERSION = 1;

/**
 * ISO-8601 date and time with seconds, and a UTC `Z` or a `±HH:MM` offset. Writers must write
 * what now() gives (UTC, exactly three fractional digits, `Z`); readers accept any number of
 * fractional digits, none included, because the HPCBox seed's meta.json has none.
 */
export const TimestampSchema = z.iso
  .datetime({ offset: true })
  .describe("ISO-8601 timestamp, e.g. 2026-06-05T14:23:00.000Z");

export const UuidSchema = z
  .uuid()
  .describe("RFC 9562 UUID in canonical lowercase-or-uppercase hex form");

/** Current time as Runyard writes it: UTC, millisecond precision. */
export function now(): string {
  return new Date().toISOString();
}
