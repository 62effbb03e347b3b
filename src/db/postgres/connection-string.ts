/**
 * PostgreSQL connection strings as Pocket ID accepts them (`postgres://` or `postgresql://`, key=value
 * parameters in the query string), and their redacted form for every message and log line.
 */

export function isPostgresConnectionString(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value.trim());
}

/** `postgres://user:***@host:port/db?sslmode=…` without the password (and without password= parameters). */
export function redactConnectionString(value: string): string {
  try {
    const url = new URL(value.trim());
    if (url.password) url.password = "***";
    for (const key of [...url.searchParams.keys()]) if (/pass/i.test(key)) url.searchParams.set(key, "***");
    return url.toString();
  } catch {
    return "postgres://(unparseable connection string)";
  }
}

/** "host:port/database", for messages that name where Latchkey tried to connect. */
export function describeTarget(value: string): string {
  try {
    const url = new URL(value.trim());
    const host = url.hostname || url.searchParams.get("host") || "localhost";
    return `${host}:${url.port || "5432"}/${decodeURIComponent(url.pathname.replace(/^\//, "")) || "(default database)"}`;
  } catch {
    return "(unparseable connection string)";
  }
}

/** Problems with a PostgreSQL connection string, for the start-up configuration check. */
export function connectionStringProblems(value: string): string[] {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return ["DB_CONNECTION_STRING is not a valid postgres:// URL"];
  }
  const problems: string[] = [];
  if (!url.hostname && !url.searchParams.get("host")) problems.push("DB_CONNECTION_STRING must name a host (postgres://user:password@host:5432/database)");
  if (!url.pathname.replace(/^\//, "")) problems.push("DB_CONNECTION_STRING must name a database (postgres://user:password@host:5432/database)");
  const sslmode = url.searchParams.get("sslmode");
  if (sslmode && !["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].includes(sslmode)) {
    problems.push(`DB_CONNECTION_STRING: sslmode "${sslmode}" is not one of disable, allow, prefer, require, verify-ca, verify-full`);
  }
  return problems;
}
