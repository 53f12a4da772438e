// Page and count limits shared by every list (REST, tRPC, alerts, audit) and by the OpenAPI
// document that advertises them. No imports, so any layer may read them.

/** The most items one REST page may ask for (`limit`); 400 INVALID_QUERY above it. */
export const MAX_PAGE_SIZE = 500;

/** Counts are exact up to this, then reported as capped ("10,000+") so a count stays cheap. */
export const COUNT_CAP = 10_000;
