/** Random identifiers (src/lib/random.ts): format, version bits, and the ordering of version-7 ids. */
import { expect, test } from "bun:test";
import { FixedClock } from "../../../src/lib/clock.ts";
import { cryptoRandom, randomUuid, timeOrderedUuid, type Random } from "../../../src/lib/random.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Randomness that returns the given bytes, to check exactly which bits the functions overwrite. */
const fixedBytes = (byte: number): Random => ({ bytes: (n) => new Uint8Array(n).fill(byte) });

test("randomUuid is an RFC 9562 version 4 UUID built from the injected bytes", () => {
  expect(randomUuid(fixedBytes(0xff))).toBe("ffffffff-ffff-4fff-bfff-ffffffffffff");
  expect(randomUuid(fixedBytes(0x00))).toBe("00000000-0000-4000-8000-000000000000");
  const ids = new Set(Array.from({ length: 1000 }, () => randomUuid(cryptoRandom)));
  expect(ids.size).toBe(1000);
  for (const id of ids) expect(id).toMatch(UUID);
});

test("timeOrderedUuid carries the clock's milliseconds in its first 48 bits, then version 7 and random bits", () => {
  const clock = new FixedClock(Date.UTC(2026, 10, 28, 12, 0, 0, 123));
  const id = timeOrderedUuid(clock, fixedBytes(0xff));
  expect(id).toBe(`${clock.now().toString(16).padStart(12, "0").replace(/^(.{8})/, "$1-")}-7fff-bfff-ffffffffffff`);
  expect(timeOrderedUuid(new FixedClock(0), fixedBytes(0))).toBe("00000000-0000-7000-8000-000000000000");
  // The largest time that fits in 48 bits (year 10889) is still encoded, not wrapped.
  expect(timeOrderedUuid(new FixedClock(2 ** 48 - 1), fixedBytes(0))).toBe("ffffffff-ffff-7000-8000-000000000000");
});

test("timeOrderedUuid ids sort by creation time as strings, and ids of the same millisecond still differ", () => {
  const clock = new FixedClock(Date.UTC(2026, 0, 1));
  const ids: string[] = [];
  for (let i = 0; i < 300; i++) {
    ids.push(timeOrderedUuid(clock, cryptoRandom));
    clock.set(clock.now() + 1 + (i % 7) * 1000);
  }
  expect([...ids].sort()).toEqual(ids);
  const sameMs = new Set(Array.from({ length: 1000 }, () => timeOrderedUuid(clock, cryptoRandom)));
  expect(sameMs.size).toBe(1000);
  for (const id of sameMs) expect(id).toMatch(UUID);
});
