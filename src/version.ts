import pkg from "../package.json" with { type: "json" };

// Set by build/compile.ts (`bun build --define`); absent when running from source.
declare const LATCHKEY_BUILD_COMMIT: string;
declare const LATCHKEY_BUILD_DATE: string;

export const VERSION: string = pkg.version;
/** The git commit the executable was built from (with "-dirty" when the tree had changes); null from source. */
export const BUILD_COMMIT: string | null = typeof LATCHKEY_BUILD_COMMIT === "string" ? LATCHKEY_BUILD_COMMIT : null;
/** When the executable was built (ISO 8601, UTC; SOURCE_DATE_EPOCH when set); null from source. */
export const BUILD_DATE: string | null = typeof LATCHKEY_BUILD_DATE === "string" ? LATCHKEY_BUILD_DATE : null;

/** `latchkey version`: "0.1.0 (commit 3e2a5d3…, built 2026-12-07T13:16:07Z)", or "0.1.0 (from source)". */
export function versionLine(): string {
  if (BUILD_COMMIT === null || BUILD_DATE === null) return `${VERSION} (from source)`;
  return `${VERSION} (commit ${BUILD_COMMIT}, built ${BUILD_DATE})`;
}
