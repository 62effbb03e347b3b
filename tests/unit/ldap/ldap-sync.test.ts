/**
 * LDAP sync against a real OpenLDAP slapd (tests/helpers/slapd.ts), started on loopback for this file.
 * Skipped, with a message, only when slapd is not installed (tests/setup-system.sh installs it).
 */
import { engineOf } from "../../../src/db/database.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { englishText } from "../../../src/i18n/translator.ts";
import { CLI_ACTOR } from "../../../src/audit/actor.ts";
import { Attribute, Change } from "ldapts";
import { readFileSync } from "node:fs";
import { createSession, findSessionByToken } from "../../../src/account/sessions.ts";
import { readAppConfig } from "../../../src/admin/app-config.ts";
import { createUser } from "../../../src/admin/users.ts";
import { listGroupsOfUser, listMemberIdsOfGroup } from "../../../src/db/user-groups.ts";
import { findUserById, type User } from "../../../src/db/users.ts";
import { findUserByUsername } from "../../../src/db/user-admin.ts";
import { computeLdapChanges, lastLdapSyncResult, runLdapSync } from "../../../src/ldap/sync.ts";
import { connectionHeadline, testLdapConnection, type ConnectionReport } from "../../../src/ldap/connection-test.ts";
import { readLdapSettings, saveLdapSettings, type LdapSettings } from "../../../src/ldap/settings.ts";
import { BASE_DN, ROOT_DN, ROOT_PW, slapdInstalled, startSlapd, type Slapd } from "../../helpers/slapd.ts";
import { makeTestDeps, type TestDeps } from "../../helpers/test-deps.ts";

/** A connection report with its lines in English, as the API sends them. */
const inEnglish = (r: ConnectionReport) => ({ ok: r.ok, lines: r.lines.map((l) => ({ ...l, text: englishText(l.text) })) });
const headline = (r: ConnectionReport) => englishText(connectionHeadline(r));

const installed = slapdInstalled();
if (!installed) console.warn("SKIP tests/unit/ldap/ldap-sync.test.ts: slapd is not installed (run tests/setup-system.sh)");

const people = `ou=people,${BASE_DN}`;
/** The start of a JPEG (SOI + APP0 JFIF): enough for the type check. */
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9]);
const groups = `ou=groups,${BASE_DN}`;
const person = (uid: string, given: string, sn: string, mail?: string) => ({
  objectClass: ["inetOrgPerson"],
  uid,
  givenName: given,
  sn,
  cn: `${given} ${sn}`,
  ...(mail ? { mail } : {}),
});

describe.skipIf(!installed)("LDAP sync against slapd", () => {
  let ldap: Slapd;
  let deps: TestDeps;
  const userByName = (username: string) => findUserByUsername(deps.db, username);
  const groupByName = (name: string) => deps.db.query<{ id: string; name: string; friendly_name: string; ldap_id: string }, [string]>("SELECT * FROM user_groups WHERE name = ?").get(name);
  const sync = () => runLdapSync(deps, CLI_ACTOR, { trigger: "manual" });
  const snapshotTables = () =>
    JSON.stringify([
      deps.db.query("SELECT * FROM users ORDER BY id").all(),
      deps.db.query("SELECT * FROM user_groups ORDER BY id").all(),
      deps.db.query("SELECT * FROM user_groups_users ORDER BY user_id, user_group_id").all(),
    ]);

  beforeAll(async () => {
    ldap = await startSlapd({ tls: true });
    await ldap.add(`uid=alice,${people}`, person("alice", "Alice", "Anders", "alice@example.org"));
    await ldap.add(`uid=bob,${people}`, person("bob", "Bob", "Berg", "bob@example.org"));
    await ldap.add(`uid=carol,${people}`, person("carol", "Carol", "Chen"));
    await ldap.add(`uid=bad name,${people}`, person("bad name", "Bad", "Name"));
    await ldap.add(`uid=dave,${people}`, person("dave", "Dave", "Directory", "dave@example.org"));
    await ldap.add(`uid=erin,${people}`, person("erin", "Erin", "Email", "owner@example.org"));
    await ldap.add(`cn=admins,${groups}`, { objectClass: "groupOfNames", cn: "admins", member: [`uid=alice,${people}`] });
    await ldap.add(`cn=Staff Team,${groups}`, { objectClass: "groupOfNames", cn: "Staff Team", member: [`uid=alice,${people}`, `uid=bob,${people}`, `uid=carol,${people}`] });
    await ldap.add(`cn=family,${groups}`, { objectClass: "groupOfNames", cn: "family", member: [`uid=bob,${people}`] });
    deps = makeTestDeps();
    // Local users that collide with directory users (username "dave"; email of "erin").
    createUser(deps, { username: "dave", email: "dave.local@example.org", firstName: "Local", lastName: "Dave" });
    createUser(deps, { username: "owner", email: "owner@example.org", firstName: "Local", lastName: "Owner" });
    saveLdapSettings(deps, CLI_ACTOR, {
      ldapEnabled: "true",
      ldapUrl: ldap.url,
      ldapBindDn: ROOT_DN,
      ldapBindPassword: ROOT_PW,
      ldapBase: BASE_DN,
      ldapAdminGroupName: "admins",
      ldapAttributeUserProfilePicture: "jpegPhoto",
    });
  }, 30_000);

  afterAll(async () => {
    await ldap?.cleanup();
    deps?.cleanup();
  });

  test("the bind password is stored sealed, never in clear", () => {
    const stored = deps.db.query<{ value: string }, []>("SELECT value FROM app_config WHERE key = 'ldapBindPassword'").get()!.value;
    expect(stored).not.toContain(ROOT_PW);
    if (engineOf(deps.db) === "sqlite") {
      deps.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      expect(readFileSync(deps.config.dbPath).includes(Buffer.from(ROOT_PW))).toBe(false);
    }
    expect(readLdapSettings(deps).bindPassword).toBe(ROOT_PW);
    // The generic config API shows the placeholder, not the value.
    expect(readAppConfig(deps.db, { uiConfigDisabled: false, env: {} }).ldapBindPassword).not.toBe(ROOT_PW);
  });

  test("first sync creates users, groups, memberships and admins; skips and reports invalid and colliding entries", async () => {
    const r = await sync();
    expect(r.error).toBeNull();
    expect(r.ok).toBe(true);
    expect(r.summary).toEqual({ usersCreated: 3, usersUpdated: 0, usersDisabled: 0, usersDeleted: 0, groupsCreated: 3, groupsUpdated: 0, groupsDeleted: 0, membershipsChanged: 3, picturesUpdated: 0 });
    const alice = userByName("alice")!;
    expect(alice).toMatchObject({ email: "alice@example.org", firstName: "Alice", lastName: "Anders", displayName: "Alice Anders", isAdmin: true, disabled: false });
    expect(alice.ldapId).toBe(await ldap.uuidOf(`uid=alice,${people}`));
    expect(userByName("bob")!.isAdmin).toBe(false);
    expect(userByName("carol")!.email).toBeNull();
    const staff = groupByName("Staff_Team")!;
    expect(staff.friendly_name).toBe("Staff Team");
    expect(listMemberIdsOfGroup(deps.db, staff.id).sort()).toEqual([alice.id, userByName("bob")!.id, userByName("carol")!.id].sort());
    expect(r.skipped.map((s) => [s.dn, englishText(s.reason)]).sort()).toEqual(
      [
        [`uid=bad name,${people}`, "the username “bad name” is not allowed: use at most 50 letters, digits and _ . @ -, starting and ending with a letter or digit."],
        [`uid=dave,${people}`, "the username “dave” is already used by a local user."],
        [`uid=erin,${people}`, "the email “owner@example.org” is already used by a local user."],
      ].sort(),
    );
    // The local users were not touched.
    expect(userByName("dave")!.ldapId).toBeNull();
    expect(userByName("dave")!.firstName).toBe("Local");
    const audit = deps.db.query<{ data: string }, []>("SELECT data FROM audit_logs WHERE event = 'LDAP_SYNC'").get()!;
    expect(JSON.parse(audit.data)).toMatchObject({ trigger: "manual", usersCreated: 3, groupsCreated: 3, skipped: 3 });
    expect(lastLdapSyncResult(deps.db)!.summary.usersCreated).toBe(3);
  });

  test("a second sync with no directory change changes nothing", async () => {
    const before = snapshotTables();
    const r = await sync();
    expect(r.summary).toEqual({ usersCreated: 0, usersUpdated: 0, usersDisabled: 0, usersDeleted: 0, groupsCreated: 0, groupsUpdated: 0, groupsDeleted: 0, membershipsChanged: 0, picturesUpdated: 0 });
    expect(snapshotTables()).toBe(before);
  });

  test("attribute changes and renames follow the entry's unique id", async () => {
    const carolId = userByName("carol")!.id;
    await ldap.replace(`uid=bob,${people}`, "mail", ["robert@example.org"]);
    await ldap.admin((c) => c.modify(`uid=bob,${people}`, new Change({ operation: "add", modification: new Attribute({ type: "jpegPhoto", values: [JPEG] }) })));
    await ldap.rename(`uid=carol,${people}`, "uid=caroline");
    await ldap.replace(`uid=caroline,${people}`, "uid", ["caroline"]);
    await ldap.rename(`cn=family,${groups}`, "cn=relatives");
    // What the refint overlay does in a production directory: member DNs follow the rename.
    await ldap.replace(`cn=Staff Team,${groups}`, "member", [`uid=alice,${people}`, `uid=bob,${people}`, `uid=caroline,${people}`]);
    const familyId = groupByName("family")!.id;
    const r = await sync();
    expect(r.summary).toMatchObject({ usersCreated: 0, usersUpdated: 2, groupsCreated: 0, groupsUpdated: 1, picturesUpdated: 1 });
    const picture = deps.db.query<{ data: Uint8Array; content_type: string }, [string]>("SELECT data, content_type FROM profile_pictures WHERE user_id = ?").get(userByName("bob")!.id)!;
    expect(picture.content_type).toBe("image/jpeg");
    expect(Buffer.from(picture.data).equals(JPEG)).toBe(true);
    // The same photo again is not rewritten.
    expect((await sync()).summary.picturesUpdated).toBe(0);
    expect(userByName("bob")!.email).toBe("robert@example.org");
    expect(userByName("carol")).toBeNull();
    expect(userByName("caroline")!.id).toBe(carolId);
    expect(groupByName("relatives")!.id).toBe(familyId);
    // Membership (by DN) followed the renamed entry.
    expect(listMemberIdsOfGroup(deps.db, groupByName("Staff_Team")!.id)).toContain(carolId);
  });

  test("joining and leaving the admin group grants and removes admin", async () => {
    await ldap.replace(`cn=admins,${groups}`, "member", [`uid=bob,${people}`]);
    await sync();
    expect(userByName("alice")!.isAdmin).toBe(false);
    expect(userByName("bob")!.isAdmin).toBe(true);
  });

  test("a sync that would leave no active administrator is refused and changes nothing", async () => {
    saveLdapSettings(deps, CLI_ACTOR, { ldapAdminGroupName: "admnis" });
    const before = snapshotTables();
    const r = await sync();
    expect(r.ok).toBe(false);
    expect(englishText(r.error!)).toBe("This sync would leave no active administrator (no directory user is in the admin group “admnis”). Fix the admin group, or make a local user an administrator first.");
    expect(snapshotTables()).toBe(before);
    saveLdapSettings(deps, CLI_ACTOR, { ldapAdminGroupName: "admins" });
  });

  test("an unreachable directory changes nothing", async () => {
    await ldap.del(`uid=caroline,${people}`);
    const before = snapshotTables();
    await ldap.stop();
    try {
      const r = await sync();
      expect(r.ok).toBe(false);
      expect(englishText(r.error!)).toBe(`Could not connect to ${ldap.url}: the connection was refused. Is the server running, and is the port right?`);
      expect(snapshotTables()).toBe(before);
      expect(lastLdapSyncResult(deps.db)!.ok).toBe(false);
    } finally {
      await ldap.start();
    }
  });

  test("a user removed from the directory is disabled (soft delete), sessions ended, passkey-independent", async () => {
    const carolId = userByName("caroline")!.id;
    const { token } = createSession(deps, { userId: carolId, amr: ["pwd"] as never, durationMinutes: 60 });
    const r = await sync();
    expect(r.summary.usersDisabled).toBe(1);
    const carol = findUserById(deps.db, carolId)!;
    expect(carol.disabled).toBe(true);
    expect(findSessionByToken(deps, token)).toBeNull();
    expect(listGroupsOfUser(deps.db, carolId)).toEqual([]);
  });

  test("with soft delete off, a removed user is deleted; a removed group is deleted", async () => {
    saveLdapSettings(deps, CLI_ACTOR, { ldapSoftDeleteUsers: "false" });
    await ldap.del(`uid=alice,${people}`);
    await ldap.replace(`cn=Staff Team,${groups}`, "member", [`uid=bob,${people}`]);
    await ldap.del(`cn=relatives,${groups}`);
    const r = await sync();
    expect(r.summary).toMatchObject({ usersDeleted: 2, groupsDeleted: 1 }); // alice, and the already-disabled caroline
    expect(userByName("alice")).toBeNull();
    expect(groupByName("relatives")).toBeNull();
    expect(userByName("bob")!.disabled).toBe(false);
  });

  test("test connection reports bind and search results in plain words", async () => {
    const base = readLdapSettings(deps);
    const ok = inEnglish(await testLdapConnection(base));
    expect(ok.ok).toBe(true);
    expect(ok.lines[0]).toEqual({ ok: true, step: "bind", text: `Connected to ${ldap.url} and signed in as ${ROOT_DN}.` });
    expect(ok.lines[1]!.text).toMatch(/^Found 4 users with \(objectClass=person\) \(for example /);
    expect(ok.lines[2]!.text).toMatch(/^Found 2 groups with \(objectClass=groupOfNames\)/);

    const badPw = inEnglish(await testLdapConnection({ ...base, bindPassword: "wrong" }));
    expect(badPw).toEqual({ ok: false, lines: [{ ok: false, step: "bind", text: `The directory refused the bind DN “${ROOT_DN}” or its password (invalid credentials).` }] });

    const badHost = inEnglish(await testLdapConnection({ ...base, url: "ldap://127.0.0.1:1" }));
    expect(badHost.lines).toEqual([{ ok: false, step: "connect", text: "Could not connect to ldap://127.0.0.1:1: the connection was refused. Is the server running, and is the port right?" }]);
    expect(headline(badHost)).toBe("Could not connect.");

    // Anonymous bind: nothing reaches the server before the first search, so a refused connection is the
    // only line; "Connected" is never said above "Could not connect".
    const anonymousBadHost = inEnglish(await testLdapConnection({ ...base, url: "ldap://127.0.0.1:1", bindDn: "", bindPassword: "" }));
    expect(anonymousBadHost).toEqual({ ok: false, lines: [{ ok: false, step: "connect", text: "Could not connect to ldap://127.0.0.1:1: the connection was refused. Is the server running, and is the port right?" }] });
    expect(headline(anonymousBadHost)).toBe("Could not connect.");
    const anonymous = inEnglish(await testLdapConnection({ ...base, bindDn: "", bindPassword: "" }));
    expect(anonymous.lines[0]).toEqual({ ok: true, step: "connect", text: `Connected to ${ldap.url} (anonymous bind).` });
    const anonymousBadBase = inEnglish(await testLdapConnection({ ...base, bindDn: "", bindPassword: "", base: "dc=nowhere,dc=org" }));
    expect(anonymousBadBase.lines.map((l) => [l.ok, l.step])).toEqual([[true, "connect"], [false, "users"]]);
    expect(headline(anonymousBadBase)).toBe("Connected, but the user search found a problem.");
    expect(headline(ok)).toBe("Connected: every check passed.");
    expect(headline(badPw)).toBe("Connected, but could not sign in.");

    const badBase = inEnglish(await testLdapConnection({ ...base, base: "dc=nowhere,dc=org" }));
    expect(badBase.ok).toBe(false);
    expect(badBase.lines.at(-1)!.text).toBe("The base DN “dc=nowhere,dc=org” does not exist in the directory.");
  });

  test("LDAPS and StartTLS with a self-signed certificate: refused unless certificate checks are skipped", async () => {
    const base = readLdapSettings(deps);
    const ldaps: LdapSettings = { ...base, url: ldap.ldapsUrl! };
    const refused = inEnglish(await testLdapConnection(ldaps));
    expect(refused.ok).toBe(false);
    expect(refused.lines[0]!.text).toStartWith(`The TLS connection to ${ldap.ldapsUrl} failed (`);
    expect(refused.lines[0]!.text).toEndWith("Use a certificate the server trusts, or turn on “Skip certificate verification”.");
    expect((inEnglish(await testLdapConnection({ ...ldaps, skipCertVerify: true }))).ok).toBe(true);
    const startTls: LdapSettings = { ...base, url: ldap.url.replace("127.0.0.1", "localhost"), startTls: true };
    expect((inEnglish(await testLdapConnection(startTls))).ok).toBe(false);
    expect((inEnglish(await testLdapConnection({ ...startTls, skipCertVerify: true }))).ok).toBe(true);
  });
});

describe("computeLdapChanges (no server)", () => {
  test("members given as usernames (memberUid) resolve like DNs", () => {
    const deps = makeTestDeps();
    try {
      const s: LdapSettings = {
        enabled: true, url: "ldap://x", startTls: false, skipCertVerify: false, bindDn: "", bindPassword: "", base: "dc=x", userFilter: "(uid=*)", groupFilter: "(cn=*)",
        attr: { userId: "entryUUID", username: "uid", email: "mail", firstName: "givenName", lastName: "sn", displayName: "cn", picture: "", groupMember: "memberUid", groupId: "gidNumber", groupName: "cn" },
        adminGroupName: "ops", softDeleteUsers: true,
      };
      const v = (o: Record<string, string[]>) => new Map(Object.entries(o).map(([k, x]) => [k.toLowerCase(), x]));
      const cs = computeLdapChanges(
        deps.db,
        s,
        {
          users: [{ dn: "uid=zoe,dc=x", values: v({ entryUUID: ["u-1"], uid: ["zoe"] }) }],
          groups: [{ dn: "cn=ops,dc=x", values: v({ gidNumber: ["500"], cn: ["ops"], memberUid: ["ZOE", "ghost"] }) }],
        },
        { random: deps.random, now: 1, emailsVerified: false },
      );
      expect(cs.createUsers[0]).toMatchObject({ username: "zoe", firstName: "zoe", isAdmin: true, ldapId: "u-1" });
      expect(cs.memberships).toEqual([{ groupId: cs.createGroups[0]!.id, userIds: [cs.createUsers[0]!.id], changed: true }]);
    } finally {
      deps.cleanup();
    }
  });
});
