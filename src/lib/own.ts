/**
 * Lookups in fixed tables by strings that may come from a request.
 * `TABLE[key]` on a plain object literal also finds what Object.prototype has: `constructor`,
 * `__proto__`, `toString`, `hasOwnProperty`, `valueOf`… so a request naming one of them gets a function
 * (or the prototype) where a string or number was expected. Every such lookup goes through these.
 */

/** `table[key]` if `key` is one of the table's own keys, else undefined. */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string | null | undefined): T | undefined {
  return typeof key === "string" && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Whether `key` is one of the table's own keys (the safe form of `key in table`). */
export function isOwnKey<K extends string>(table: Readonly<Record<K, unknown>>, key: unknown): key is K {
  return typeof key === "string" && Object.hasOwn(table, key);
}
