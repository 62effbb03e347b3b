/**
 * The passkey sign-in ceremony over HTTP against our server, driven by the software authenticator:
 * begin (options with a challenge) → sign → finish (assertion) → a session cookie.
 *
 * The routes are discovered, not assumed: the candidates below are tried once with a real assertion,
 * and the first pair that signs the person in is used for the load.
 */
import { assert, type SoftPasskey } from "./authenticator.ts";

export interface CeremonyRoutes {
  beginMethod: "GET" | "POST";
  begin: string;
  finish: string;
  /** How the finish body is shaped: the bare assertion, or wrapped. */
  wrap: "bare" | "response" | "credential";
}

const BEGIN_CANDIDATES: Array<["GET" | "POST", string]> = [
  ["POST", "/api/webauthn/login/start"],
  ["GET", "/api/webauthn/login/start"],
  ["POST", "/api/webauthn/login/begin"],
  ["GET", "/api/webauthn/login/begin"],
  ["POST", "/api/webauthn/authentication/options"],
];
const FINISH_CANDIDATES = ["/api/webauthn/login/finish", "/api/webauthn/login/verify", "/api/webauthn/authentication/verify"];

interface Jar {
  cookies: Map<string, string>;
}

function absorb(jar: Jar, res: Response): void {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const eq = pair!.indexOf("=");
    if (eq > 0) jar.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
  }
}

function cookieHeader(jar: Jar): string {
  return [...jar.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
}

function challengeOf(body: Record<string, unknown>): string | null {
  const direct = body.challenge;
  if (typeof direct === "string") return direct;
  for (const key of ["options", "publicKey", "publicKeyCredentialRequestOptions"]) {
    const inner = body[key] as Record<string, unknown> | undefined;
    if (inner && typeof inner.challenge === "string") return inner.challenge;
    const nested = inner?.publicKey as Record<string, unknown> | undefined;
    if (nested && typeof nested.challenge === "string") return nested.challenge;
  }
  return null;
}

export interface CeremonyContext {
  base: string;
  appUrl: string;
  rpId: string;
  passkey: SoftPasskey;
}

/** One sign-in: returns true when the finish answered 2xx with a session cookie. */
export async function signInOnce(ctx: CeremonyContext, routes: CeremonyRoutes): Promise<{ ok: boolean; detail: string }> {
  // A browser that has loaded the sign-in page holds the pre-sign-in CSRF cookie (double submit:
  // SameSite=Strict cookie = X-CSRF-Token header); any 43-character token of that alphabet is accepted.
  const csrfToken = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  const jar: Jar = { cookies: new Map([["latchkey_csrf", csrfToken]]) };
  const common = { origin: ctx.appUrl, "sec-fetch-site": "same-origin", "x-csrf-token": csrfToken };
  const beginRes = await fetch(ctx.base + routes.begin, {
    method: routes.beginMethod,
    headers: { ...common, ...(routes.beginMethod === "POST" ? { "content-type": "application/json" } : {}), cookie: cookieHeader(jar) },
    body: routes.beginMethod === "POST" ? "{}" : undefined,
  });
  absorb(jar, beginRes);
  const beginText = await beginRes.text();
  if (beginRes.status !== 200) return { ok: false, detail: `begin ${routes.beginMethod} ${routes.begin} → ${beginRes.status} ${beginText.slice(0, 200)}` };
  let beginBody: Record<string, unknown>;
  try {
    beginBody = JSON.parse(beginText) as Record<string, unknown>;
  } catch {
    return { ok: false, detail: `begin answered non-JSON: ${beginText.slice(0, 120)}` };
  }
  const challenge = challengeOf(beginBody);
  if (!challenge) return { ok: false, detail: `no challenge in begin answer: ${beginText.slice(0, 200)}` };
  const assertion = assert(ctx.passkey, { challenge, origin: ctx.appUrl, rpId: ctx.rpId });
  const payload = routes.wrap === "bare" ? assertion : routes.wrap === "response" ? { response: assertion } : { credential: assertion };
  const challengeId = beginBody.challengeId;
  if (typeof challengeId === "string") (payload as Record<string, unknown>).challengeId = challengeId;
  const finishRes = await fetch(ctx.base + routes.finish, {
    method: "POST",
    headers: { ...common, "content-type": "application/json", cookie: cookieHeader(jar) },
    body: JSON.stringify(payload),
  });
  absorb(jar, finishRes);
  const finishText = await finishRes.text();
  const signedIn = [...jar.cookies.keys()].some((k) => /session/i.test(k));
  if (finishRes.status >= 200 && finishRes.status < 300 && signedIn) return { ok: true, detail: "" };
  return { ok: false, detail: `finish ${routes.finish} → ${finishRes.status} ${finishText.slice(0, 200)}` };
}

/** Finds the routes that complete a sign-in, or explains why none did. */
export async function discoverCeremony(ctx: CeremonyContext): Promise<{ routes: CeremonyRoutes | null; detail: string }> {
  const tried: string[] = [];
  let best: string | null = null;
  for (const [beginMethod, begin] of BEGIN_CANDIDATES) {
    const token = "a".repeat(43);
    const probe = await fetch(ctx.base + begin, {
      method: beginMethod,
      headers: { origin: ctx.appUrl, cookie: `latchkey_csrf=${token}`, "x-csrf-token": token, ...(beginMethod === "POST" ? { "content-type": "application/json" } : {}) },
      body: beginMethod === "POST" ? "{}" : undefined,
    });
    await probe.arrayBuffer();
    if (probe.status === 404 || probe.status === 405) continue;
    for (const finish of FINISH_CANDIDATES) {
      for (const wrap of ["response", "bare", "credential"] as const) {
        const routes = { beginMethod, begin, finish, wrap };
        const r = await signInOnce(ctx, routes);
        if (r.ok) return { routes, detail: "" };
        // Keep the most telling failure: one where the route exists.
        if (!/→ 40[45] /.test(r.detail) && !best) best = r.detail;
        tried.push(r.detail);
      }
    }
  }
  return { routes: null, detail: best ?? tried[0] ?? "no begin route under /api/webauthn answers" };
}

/** Sign-ins per second at `concurrency`, for `seconds`. */
export async function ceremonyLoad(ctx: CeremonyContext, routes: CeremonyRoutes, concurrency: number, seconds: number): Promise<{ rps: number; p50Ms: number; p99Ms: number; failures: number; count: number }> {
  const latencies: number[] = [];
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        const r = await signInOnce(ctx, routes);
        if (r.ok) latencies.push(performance.now() - s);
        else failures++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! : 0);
  return { rps: latencies.length / elapsed, p50Ms: pct(50), p99Ms: pct(99), failures, count: latencies.length };
}
