/**
 * Start-up in the container image (src/cli/container-user.ts): PUID / PGID are decimal, non-zero ids or refused before
 * anything is chowned or dropped; outside the image, or started as another user, nothing is touched.
 */
import { expect, test } from "bun:test";
import { ContainerUserError, enterContainerUser, type ProcessIdentity } from "../../../src/cli/container-user.ts";

/** A process identity that records the calls; root unless told otherwise. */
function fakeProcess(uid = 0) {
  const calls: string[] = [];
  const proc: ProcessIdentity = {
    getuid: () => uid,
    chdir: (dir) => void calls.push(`chdir ${dir}`),
    setgroups: (groups) => void calls.push(`setgroups ${groups.join(",")}`),
    setgid: (id) => void calls.push(`setgid ${id}`),
    setuid: (id) => void calls.push(`setuid ${id}`),
  };
  return { proc, calls };
}

test("outside the image nothing happens, whatever PUID says", () => {
  const { proc, calls } = fakeProcess();
  expect(enterContainerUser({ PUID: "0", PGID: "x" }, "/somewhere", proc)).toBe("/somewhere");
  expect(calls).toEqual([]);
});

test("started as another user in the image: to /app, nothing chowned or dropped, PUID not even read", () => {
  const { proc, calls } = fakeProcess(1000);
  expect(enterContainerUser({ LATCHKEY_CONTAINER: "1", PUID: "0" }, "/somewhere", proc)).toBe("/app");
  expect(calls).toEqual(["chdir /app"]);
});

test.each([
  ["PUID", "0", /PUID=0 would run Latchkey as root/],
  ["PGID", "0", /PGID=0 would run Latchkey as root/],
  ["PUID", "0000000000", /PUID=0 would run Latchkey as root/],
  ["PUID", "-1", /PUID must be a numeric id, got "-1"/],
  ["PUID", "+1000", /PUID must be a numeric id/],
  ["PUID", " 1000", /PUID must be a numeric id/],
  ["PUID", "1000 ", /PUID must be a numeric id/],
  ["PUID", "1000\n", /PUID must be a numeric id/],
  ["PUID", "1e3", /PUID must be a numeric id/],
  ["PUID", "0x3e8", /PUID must be a numeric id/],
  ["PUID", "1000.0", /PUID must be a numeric id/],
  ["PUID", "１０００", /PUID must be a numeric id/],
  ["PUID", "2147483648", /PUID must be a numeric id/],
  ["PUID", "4294967296", /PUID must be a numeric id/],
  ["PUID", "12345678901", /PUID must be a numeric id/],
  ["PGID", "abc", /PGID must be a numeric id, got "abc"/],
  ["PGID", "1000:1000", /PGID must be a numeric id/],
])("as root, %s=%j is refused before anything is chowned or dropped", (name, value, message) => {
  const { proc, calls } = fakeProcess(0);
  expect(() => enterContainerUser({ LATCHKEY_CONTAINER: "1", [name]: value }, "/somewhere", proc)).toThrow(ContainerUserError);
  expect(() => enterContainerUser({ LATCHKEY_CONTAINER: "1", [name]: value }, "/somewhere", proc)).toThrow(message);
  expect(calls.filter((c) => !c.startsWith("chdir"))).toEqual([]);
});
