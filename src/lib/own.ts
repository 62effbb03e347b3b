/**
 * Lookups in fixed tables by strings that may come from a request.
 * `TABLE[key]` on a plain object literal also finds what Object.prototype has: `constructor`,
 * `__proto__`, `toString`, `hasOwnProperty`, `valueOf`… so a request naming one of them gets a function
 * (or the prototype) where a string or number was expected. Every such lookup goes through this.
 */

/** `table[key]` if `key` is one of the table's own keys, else undefined. */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string | null | undefined): T | undefined {
  return typeof key === "string" && Object.hasOwn(table, key) ? table[key] : undefined;
}
