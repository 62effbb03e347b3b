/** The admin user list query at scale: prefix search, index-ordered pages, a bounded count when searching. */
import { afterEach, expect, test } from "bun:test";
import { searchUsers, USER_COUNT_BOUND } from "../../../src/db/user-admin.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
afterEach(() => deps?.cleanup());

/** `n` users (SQL both engines run: i zero-padded to six digits without SQLite's printf). */
function seed(n: number): void {
  const six = "substr('000000' || i, length('000000' || i) - 5)";
  deps.db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n})
    INSERT INTO users (id, username, email, first_name, last_name, display_name, created_at, updated_at)
    SELECT 'id-' || ${six}, 'user' || ${six}, 'Mail' || ${six} || '@example.test', 'Same', 'Name', 'Same Name', 1000 - (i % 3), 0 FROM n`);
}

test("search is a case-insensitive prefix of username, email or names; wildcards are literal", () => {
  deps = makeTestDeps();
  seed(30);
  const names = (search: string) => searchUsers(deps.db, { search, limit: 100, offset: 0 }).users.map((r) => r.username);
  expect(names("USER00001")).toEqual(["user000010", "user000011", "user000012", "user000013", "user000014", "user000015", "user000016", "user000017", "user000018", "user000019"]);
  expect(names("mail000030")).toEqual(["user000030"]);
  expect(names("000030")).toEqual([]); // not a substring search
  expect(names("same n")).toHaveLength(30); // display name prefix
  expect(names("user%")).toEqual([]);
  expect(names("user_")).toEqual([]);
});

test("pages follow the sort with the row order as tie-break; page after page covers every row once", () => {
  deps = makeTestDeps();
  seed(25);
  const seen: string[] = [];
  for (let offset = 0; offset < 25; offset += 4) {
    seen.push(...searchUsers(deps.db, { search: "", limit: 4, offset, sort: "createdAt", direction: "desc" }).users.map((r) => r.id));
  }
  expect(new Set(seen).size).toBe(25);
  const all = searchUsers(deps.db, { search: "", limit: 100, offset: 0, sort: "createdAt", direction: "desc" });
  expect(all.users.map((r) => r.id)).toEqual(seen);
  expect(all.users.map((r) => r.createdAt)).toEqual([...all.users.map((r) => r.createdAt)].sort((a, b) => b - a));
  expect(all.total).toBe(25);
  expect(all.more).toBe(false);
});

test("without a search the total is exact; with one it is counted up to the bound, then reported as more", () => {
  deps = makeTestDeps();
  seed(USER_COUNT_BOUND + 5);
  expect(searchUsers(deps.db, { search: "", limit: 20, offset: 0 })).toMatchObject({ total: USER_COUNT_BOUND + 5, more: false });
  const broad = searchUsers(deps.db, { search: "user", limit: 20, offset: 0 });
  expect(broad.total).toBe(USER_COUNT_BOUND + 1);
  expect(broad.more).toBe(true);
  expect(broad.users[0]!.username).toBe("user000001");
  // Past the bound the count stretches to the page asked for, so the page after it is still offered.
  const deep = searchUsers(deps.db, { search: "user", limit: 20, offset: USER_COUNT_BOUND - 10 });
  expect(deep.users).toHaveLength(15);
  expect(deep.total).toBe(USER_COUNT_BOUND + 5);
  expect(deep.more).toBe(false);
  const narrow = searchUsers(deps.db, { search: "user00001", limit: 20, offset: 0 });
  expect(narrow).toMatchObject({ total: 10, more: false });
});
