/** listCustomClaimsOfUser: one query; group claims first (by key), then the user's own (by key), so the user's win. */
import { afterEach, expect, test } from "bun:test";
import { listCustomClaimsOfUser } from "../../../src/db/oidc-grants.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

let deps: TestDeps;
afterEach(() => deps?.cleanup());

test("group claims first, then the user's own, each sorted by key; nothing for a user without claims", () => {
  deps = makeTestDeps();
  const db = deps.db;
  for (const id of ["u1", "u2"]) {
    db.query("INSERT INTO users (id, username, email, email_verified, is_admin, disabled, created_at, updated_at) VALUES (?, ?, NULL, 0, 0, 0, 0, 0)").run(id, id);
  }
  for (const id of ["g1", "g2"]) db.query("INSERT INTO user_groups (id, name, friendly_name, created_at, updated_at) VALUES (?, ?, ?, 0, 0)").run(id, id, id);
  db.query("INSERT INTO user_groups_users (user_id, user_group_id) VALUES ('u1', 'g1'), ('u1', 'g2'), ('u2', 'g2')").run();
  const claim = db.query("INSERT INTO custom_claims (id, key, value, user_id, user_group_id) VALUES (?, ?, ?, ?, ?)");
  claim.run("c1", "zeta", "g1z", null, "g1");
  claim.run("c2", "alpha", "g2a", null, "g2");
  claim.run("c3", "zeta", "own", "u1", null);
  claim.run("c4", "beta", "own-b", "u1", null);
  expect(listCustomClaimsOfUser(db, "u1")).toEqual([
    { key: "alpha", value: "g2a", source: "group" },
    { key: "zeta", value: "g1z", source: "group" },
    { key: "beta", value: "own-b", source: "user" },
    { key: "zeta", value: "own", source: "user" },
  ]);
  expect(listCustomClaimsOfUser(db, "u2")).toEqual([{ key: "alpha", value: "g2a", source: "group" }]);
  expect(listCustomClaimsOfUser(db, "nobody")).toEqual([]);
});
