import { expect, test } from "bun:test";
import { ownValue } from "../../../src/lib/own.ts";

test("ownValue finds own keys only: prototype names, null and undefined are absent", () => {
  const table: Readonly<Record<string, string>> = { name: "n", createdAt: "c" };
  expect(ownValue(table, "name")).toBe("n");
  for (const key of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "__defineGetter__", "", "NAME", null, undefined]) {
    expect([key, ownValue(table, key)]).toEqual([key, undefined]);
  }
  // A table that really has such a key returns it.
  expect(ownValue(JSON.parse('{"__proto__": "p", "constructor": "c"}') as Record<string, string>, "__proto__")).toBe("p");
});
