/**
 * Signing keys and JWT signing/verification.
 * - First start generates an RS256 (RSA-2048) key: the widest client support. The server generates it on the thread
 *   pool while it already answers health checks, and holds every other request until the key is stored. Rotation takes any of Pocket ID's
 *   algorithms: RS256/384/512 (RSA-2048/3072/4096), ES256/384/512 (P-256/384/521), EdDSA (Ed25519). Private JWK sealed with
 *   box.seal("signing-key", …); the public JWK is stored in clear for the JWKS.
 * - Exactly one current key signs; `kid` is in every JWT header and in the JWKS.
 * - Rotation retires the current key: it stays in the JWKS until every token it signed has expired
 *   (retire_after = now + the longest token lifetime).
 * - Verification only trusts keys still published, looked up by `kid`.
 * - The published key set (current key, JWKS body, public keys by kid) is cached per database and
 *   reloaded when this process rotates, when a retired key's window closes, or when another process (the
 *   `key-rotate` CLI while the server runs, another instance on the same database) has changed the keys: the
 *   `signing_keys` change version, bumped by a trigger in the same transaction as every change (src/db/
 *   change-versions.ts), tells. That check runs at most once per second, so a rotation elsewhere is served here
 *   within a second or two; the retired key stays published, so nothing signed meanwhile fails.
 */
import type { Database } from "../db/database.ts";
import { generateKeyPair, generateKeyPairSync, type KeyObject } from "node:crypto";
import { importJWK, type JWK, type JWTHeaderParameters, type JWTPayload, CompactSign, jwtVerify, compactVerify, decodeProtectedHeader } from "jose";
import {
  deleteExpiredSigningKeys,
  findCurrentSigningKey,
  findSigningKeyByKid,
  insertCurrentSigningKeyIfNone,
  listPublishedSigningKeys,
  maxAccessTokenMinutes,
  retireCurrentSigningKey,
  SIGNING_ALGS,
  type SigningAlg,
  type SigningKey,
} from "../db/oidc-signing-keys.ts";
import { readChangeVersion } from "../db/change-versions.ts";
import { recordAdminChange, type Actor } from "../audit/actor.ts";
import { nowSeconds, type Clock } from "../lib/clock.ts";
import { randomToken, type Random } from "../lib/random.ts";
import type { SealedBox } from "../lib/sealed-box.ts";

// The value types live with their mapping in src/db/oidc-signing-keys.ts.
export { SIGNING_ALGS, type SigningAlg };
const SEAL_PURPOSE = "signing-key";
/** ID tokens live one hour; a retired key must outlive those too. */
export const ID_TOKEN_SECONDS = 3600;

export interface KeyDeps {
  db: Database;
  clock: Clock;
  random: Random;
  box: SealedBox;
}

/** Pocket ID's key sizes: RSA 2048/3072/4096 bits for RS256/384/512; each ES alg's own curve (RFC 7518 3.4). */
const RSA_BITS = { RS256: 2048, RS384: 3072, RS512: 4096 } as const;
const EC_CURVES = { ES256: "P-256", ES384: "P-384", ES512: "P-521" } as const;

/** A generated key as stored (the columns a new row takes). */
type NewSigningKey = Pick<SigningKey, "kid" | "alg" | "publicJwk" | "privateJwkSealed" | "createdAt">;

interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

/** node:crypto's key type and options for `alg`. */
function keyPairParams(alg: SigningAlg): [type: "ed25519" | "rsa" | "ec", options: { modulusLength?: number; namedCurve?: string }] {
  if (alg === "EdDSA") return ["ed25519", {}];
  if (alg in RSA_BITS) return ["rsa", { modulusLength: RSA_BITS[alg as keyof typeof RSA_BITS] }];
  return ["ec", { namedCurve: EC_CURVES[alg as keyof typeof EC_CURVES] }];
}

// The overloads of node:crypto's typings, narrowed to the KeyObject results these parameters give.
type GenerateSync = (type: string, options: object) => KeyPair;
type GenerateAsync = (type: string, options: object, done: (error: Error | null, publicKey: KeyObject, privateKey: KeyObject) => void) => void;

function generatePairSync(alg: SigningAlg): KeyPair {
  return (generateKeyPairSync as GenerateSync)(...keyPairParams(alg));
}

/** The same on node:crypto's thread pool: the event loop keeps running meanwhile. */
function generatePairOffThread(alg: SigningAlg): Promise<KeyPair> {
  return new Promise((resolve, reject) =>
    (generateKeyPair as GenerateAsync)(...keyPairParams(alg), (error, publicKey, privateKey) => (error ? reject(error) : resolve({ publicKey, privateKey }))),
  );
}

/** The row for a freshly generated pair: a new kid, the private JWK sealed, the public one in clear. */
function newKeyRow(deps: KeyDeps, alg: SigningAlg, pair: KeyPair): NewSigningKey {
  const kid = randomToken(deps.random, 8);
  const pub: JWK = { ...(pair.publicKey.export({ format: "jwk" }) as JWK), kid, alg, use: "sig" };
  const priv: JWK = { ...(pair.privateKey.export({ format: "jwk" }) as JWK), kid, alg };
  return {
    kid,
    alg,
    publicJwk: JSON.stringify(pub),
    privateJwkSealed: deps.box.seal(SEAL_PURPOSE, JSON.stringify(priv)),
    createdAt: nowSeconds(deps.clock),
  };
}

function newKey(deps: KeyDeps, alg: SigningAlg): NewSigningKey {
  return newKeyRow(deps, alg, generatePairSync(alg));
}

/** The first key's algorithm: RS256 (RSA-2048), the widest client support. */
const FIRST_KEY_ALG: SigningAlg = "RS256";

/** The current key's kid, or null before the first key. */
function currentKid(deps: KeyDeps): string | null {
  return keySet(deps).current?.kid ?? findCurrentSigningKey(deps.db)?.kid ?? null;
}

/** Stores a first key unless another process stored one meanwhile; returns the kid that is current (ours or the winner's). */
function storeFirstKey(deps: KeyDeps, key: NewSigningKey): string {
  insertCurrentSigningKeyIfNone(deps.db, key);
  keySets.delete(deps.db);
  return findCurrentSigningKey(deps.db)!.kid;
}

/** Makes sure a current signing key exists (first start); returns its kid. Safe to race. */
export function ensureSigningKey(deps: KeyDeps): string {
  return currentKid(deps) ?? storeFirstKey(deps, newKey(deps, FIRST_KEY_ALG));
}

/**
 * ensureSigningKey for the server's start (issue 24): a stored key is found at once; the first one is generated on
 * node:crypto's thread pool, so the event loop keeps serving meanwhile (RSA-2048 takes 60–400 ms in Bun).
 * Safe to race like ensureSigningKey: when another instance stored its key first, that key is current and its kid
 * is returned (`generated` false). Rejects when generating or storing fails.
 */
export async function ensureSigningKeyOffThread(deps: KeyDeps): Promise<{ kid: string; generated: boolean }> {
  const stored = currentKid(deps);
  if (stored) return { kid: stored, generated: false };
  const key = newKeyRow(deps, FIRST_KEY_ALG, await generatePairOffThread(FIRST_KEY_ALG));
  const kid = storeFirstKey(deps, key);
  return { kid, generated: kid === key.kid };
}

// --- the published key set, cached ---------------------------------------------------------------

interface PublishedKey {
  kid: string;
  alg: SigningAlg;
  publicJwk: string;
  retireAfter: number | null;
}

export interface KeySet {
  /** The current key (with its sealed private JWK), or null before the first start. */
  current: SigningKey | null;
  byKid: Map<string, PublishedKey>;
  /** The JWKS document, serialized once, and its ETag. */
  jwksBody: string;
  jwksEtag: string;
  /** Bumped on every reload: dependent caches (discovery) compare it. */
  version: number;
  /** The signing_keys change version the set was loaded at. */
  changeVersion: number;
  /** The clock's milliseconds at the last change-version check. */
  checkedAt: number;
  /** The set must be rebuilt when the clock reaches this (a retired key's window closes). */
  validUntil: number;
}

const keySets = new WeakMap<Database, KeySet>();
let keySetVersion = 0;
/** How often changes by another process or instance are looked for (milliseconds of the injected clock). */
export const KEY_SET_CHECK_MS = 1000;

function loadKeySet(db: Database, now: number, nowMs: number, changeVersion: number): KeySet {
  const rows = listPublishedSigningKeys(db, now);
  const byKid = new Map<string, PublishedKey>();
  let validUntil = Infinity;
  for (const k of rows) {
    byKid.set(k.kid, { kid: k.kid, alg: k.alg, publicJwk: k.publicJwk, retireAfter: k.retiredAt === null ? null : k.retireAfter });
    if (k.retiredAt !== null && k.retireAfter !== null) validUntil = Math.min(validUntil, k.retireAfter);
  }
  const current = rows.find((k) => k.retiredAt === null) ?? null;
  const jwksBody = `{"keys":[${rows.map((k) => k.publicJwk).join(",")}]}`;
  return {
    current,
    byKid,
    jwksBody,
    jwksEtag: entityTag(jwksBody),
    version: ++keySetVersion,
    changeVersion,
    checkedAt: nowMs,
    validUntil,
  };
}

/** A strong ETag for a precomputed body: the same bytes give the same tag, across restarts too. */
export function entityTag(body: string): string {
  return `"${Bun.hash(body).toString(36)}"`;
}

/** The published key set, reloaded only when it may have changed (see the header). */
export function keySet(deps: { db: Database; clock: Clock }): KeySet {
  const nowMs = deps.clock.now();
  const now = Math.floor(nowMs / 1000);
  let set = keySets.get(deps.db);
  if (set && now < set.validUntil) {
    // A wall clock set back (nowMs < checkedAt) looks again at once rather than trusting a stale set.
    if (nowMs >= set.checkedAt && nowMs - set.checkedAt < KEY_SET_CHECK_MS) return set;
    set.checkedAt = nowMs;
    if (readChangeVersion(deps.db, "signing_keys") === set.changeVersion) return set;
  }
  // The version is read before the rows: a change committed in between makes the next check reload again.
  set = loadKeySet(deps.db, now, nowMs, readChangeVersion(deps.db, "signing_keys"));
  keySets.set(deps.db, set);
  return set;
}

/**
 * Replaces the current key with a new one of `alg`. The old public key stays published until every
 * token it signed has expired. Returns the new and the retired kid. Audited (ADMIN_CHANGE signing_key
 * rotate) in the rotation's transaction.
 */
export function rotateSigningKey(deps: KeyDeps, actor: Actor, alg: SigningAlg = "RS256"): { kid: string; alg: SigningAlg; retiredKid: string | null; retiredUntil: number | null } {
  const key = newKey(deps, alg);
  const now = nowSeconds(deps.clock);
  const result = deps.db.transaction(() => {
    const old = findCurrentSigningKey(deps.db);
    let retiredUntil: number | null = null;
    if (old) {
      retiredUntil = now + Math.max(ID_TOKEN_SECONDS, maxAccessTokenMinutes(deps.db) * 60);
      retireCurrentSigningKey(deps.db, now, retiredUntil);
    }
    deleteExpiredSigningKeys(deps.db, now);
    insertCurrentSigningKeyIfNone(deps.db, key);
    recordAdminChange(deps, actor, { entity: "signing_key", action: "rotate", id: key.kid, changes: { alg, retiredKid: old?.kid ?? null } });
    return { kid: key.kid, alg, retiredKid: old?.kid ?? null, retiredUntil };
  }).immediate();
  // Served at once here (not after the next once-a-second check): drop the cached set.
  keySets.delete(deps.db);
  return result;
}

/**
 * Makes an imported key (Pocket ID's, issue 18) the current one, with its own kid and alg, so what it signed keeps
 * verifying. A current key Latchkey already had is retired as in a rotation. Runs inside the caller's transaction;
 * returns false when a key with this kid is already stored (nothing changed).
 */
export function installImportedSigningKey(deps: KeyDeps, key: { kid: string; alg: SigningAlg; publicJwk: JWK; privateJwk: JWK }): boolean {
  if (findSigningKeyByKid(deps.db, key.kid)) return false;
  const now = nowSeconds(deps.clock);
  if (findCurrentSigningKey(deps.db)) retireCurrentSigningKey(deps.db, now, now + Math.max(ID_TOKEN_SECONDS, maxAccessTokenMinutes(deps.db) * 60));
  insertCurrentSigningKeyIfNone(deps.db, {
    kid: key.kid,
    alg: key.alg,
    publicJwk: JSON.stringify({ ...key.publicJwk, kid: key.kid, alg: key.alg, use: "sig" }),
    privateJwkSealed: deps.box.seal(SEAL_PURPOSE, JSON.stringify({ ...key.privateJwk, kid: key.kid, alg: key.alg })),
    createdAt: now,
  });
  // Served at once here (not after the next once-a-second check): drop the cached set.
  keySets.delete(deps.db);
  return true;
}

/**
 * The current key with its private half, for `export --format pocket-id` (Pocket ID keeps exactly one key, with its
 * kid and alg inside the JWK); null when Latchkey has none yet.
 */
export function exportCurrentSigningKey(deps: { db: Database; box: SealedBox }): { kid: string; alg: SigningAlg; privateJwk: JWK } | null {
  const row = findCurrentSigningKey(deps.db);
  if (!row) return null;
  const privateJwk = JSON.parse(deps.box.openText(SEAL_PURPOSE, row.privateJwkSealed)) as JWK;
  return { kid: row.kid, alg: row.alg, privateJwk: { ...privateJwk, kid: row.kid, alg: row.alg, use: "sig" } };
}

/** The JWKS: public keys of the current and still-published retired keys. */
export function publishedJwks(deps: { db: Database; clock: Clock }): { keys: JWK[] } {
  return JSON.parse(keySet(deps).jwksBody) as { keys: JWK[] };
}

export function currentSigningAlg(deps: { db: Database; clock: Clock }): SigningAlg {
  return keySet(deps).current?.alg ?? "RS256";
}

// Imported CryptoKeys, cached per kid (keys never change once written).
const privateCache = new WeakMap<SealedBox, Map<string, CryptoKey | Uint8Array>>();
const publicCache = new Map<string, CryptoKey | Uint8Array>();

async function privateKeyFor(deps: KeyDeps, row: SigningKey): Promise<CryptoKey | Uint8Array> {
  let byKid = privateCache.get(deps.box);
  if (!byKid) privateCache.set(deps.box, (byKid = new Map()));
  let key = byKid.get(row.kid);
  if (!key) {
    key = await importJWK(JSON.parse(deps.box.openText(SEAL_PURPOSE, row.privateJwkSealed)) as JWK, row.alg);
    byKid.set(row.kid, key);
  }
  return key;
}

async function publicKeyFor(row: PublishedKey): Promise<CryptoKey | Uint8Array> {
  const cacheKey = `${row.kid}:${row.publicJwk.length}`;
  let key = publicCache.get(cacheKey);
  if (!key) {
    key = await importJWK(JSON.parse(row.publicJwk) as JWK, row.alg);
    publicCache.set(cacheKey, key);
  }
  return key;
}

/** Signs a JWT with the current key (creating it on first use). `typ` goes into the header. */
const encoder = new TextEncoder();

/**
 * Signs a JWT with the current key (creating it on first use). `typ` goes into the header.
 * CompactSign over the payload serialized once: SignJWT would structuredClone it first.
 */
export async function signJwt(deps: KeyDeps, payload: JWTPayload, typ: string = "JWT"): Promise<{ jwt: string; alg: SigningAlg; kid: string }> {
  let row = keySet(deps).current;
  if (!row) {
    ensureSigningKey(deps);
    row = keySet(deps).current!;
  }
  const key = await privateKeyFor(deps, row);
  const jwt = await new CompactSign(encoder.encode(JSON.stringify(payload))).setProtectedHeader({ alg: row.alg, kid: row.kid, typ }).sign(key);
  return { jwt, alg: row.alg, kid: row.kid };
}

/** A published key for `kid`, or null (unknown or retired past its window). */
function publishedKeyRow(deps: { db: Database; clock: Clock }, kid: unknown): PublishedKey | null {
  if (typeof kid !== "string" || kid.length > 100) return null;
  const cached = keySet(deps).byKid.get(kid);
  if (cached) return cached;
  // Not in the cached set: a key committed a moment ago elsewhere, or an unknown kid.
  const key = findSigningKeyByKid(deps.db, kid);
  if (!key) return null;
  if (key.retiredAt !== null && (key.retireAfter ?? 0) <= nowSeconds(deps.clock)) return null;
  return { kid: key.kid, alg: key.alg, publicJwk: key.publicJwk, retireAfter: key.retireAfter };
}

export class JwtInvalid extends Error {}

/**
 * Verifies signature, issuer, type and expiry of a JWT we issued. Throws JwtInvalid with a safe reason.
 * `ignoreExpiry` is for id_token_hint at end-session, where expired ID tokens are accepted.
 */
export async function verifyOwnJwt(
  deps: { db: Database; clock: Clock },
  token: string,
  opts: { issuer: string; typ?: string; ignoreExpiry?: boolean },
): Promise<{ payload: JWTPayload; header: JWTHeaderParameters }> {
  if (typeof token !== "string" || token.length === 0 || token.length > 16_384 || token.split(".").length !== 3) {
    throw new JwtInvalid("The token is not a JWT.");
  }
  let header: JWTHeaderParameters;
  try {
    header = decodeProtectedHeader(token) as JWTHeaderParameters;
  } catch {
    throw new JwtInvalid("The token is not a JWT.");
  }
  const row = publishedKeyRow(deps, header.kid);
  if (!row || header.alg !== row.alg) throw new JwtInvalid("The token was not signed by a current key.");
  const key = await publicKeyFor(row);
  try {
    if (opts.ignoreExpiry) {
      const { payload: raw } = await compactVerify(token, key, { algorithms: [row.alg] });
      const payload = JSON.parse(new TextDecoder().decode(raw)) as JWTPayload;
      if (payload === null || typeof payload !== "object" || payload.iss !== opts.issuer) throw new JwtInvalid("The token was issued by someone else.");
      if (opts.typ && header.typ !== opts.typ) throw new JwtInvalid("The token has the wrong type.");
      return { payload, header };
    }
    const { payload } = await jwtVerify(token, key, {
      algorithms: [row.alg],
      issuer: opts.issuer,
      typ: opts.typ,
      currentDate: new Date(deps.clock.now()),
    });
    return { payload, header };
  } catch (e) {
    if (e instanceof JwtInvalid) throw e;
    const code = (e as { code?: string }).code;
    if (code === "ERR_JWT_EXPIRED") throw new JwtInvalid("The token has expired.");
    throw new JwtInvalid("The token signature or claims are invalid.");
  }
}
