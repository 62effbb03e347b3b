/**
 * Client authentication at the token, introspection and revocation endpoints.
 * - client_secret_basic: RFC 6749 2.3.1 — id and secret are form-urlencoded, then base64 in the Basic header.
 * - client_secret_post: client_id and client_secret in the body.
 * - none: public clients send only client_id (PKCE is then enforced by the grant).
 * - Using two methods at once is an invalid_request; every failure of the credentials is invalid_client (401).
 */
import type { Database } from "bun:sqlite";
import { OAuthError } from "../errors.ts";
import type { Clock } from "../lib/clock.ts";
import { findClientById, verifyClientSecret, type OidcClient } from "./clients.ts";
import type { ProtocolParams } from "./params.ts";

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "none";

function decodeFormComponent(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

/** Parses a Basic Authorization header into id and secret; throws invalid_client when malformed. */
export function parseBasicAuth(header: string): { clientId: string; secret: string } {
  const m = /^Basic[ ]+([A-Za-z0-9+/=_-]{1,4096})\s*$/i.exec(header);
  if (!m) throw OAuthError.invalidClient("The Authorization header is not a valid Basic credential.");
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(m[1]!, "base64"));
  } catch {
    throw OAuthError.invalidClient("The Basic credential is not valid UTF-8.");
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) throw OAuthError.invalidClient("The Basic credential has no client_id:client_secret separator.");
  const clientId = decodeFormComponent(decoded.slice(0, colon));
  const secret = decodeFormComponent(decoded.slice(colon + 1));
  if (!clientId || secret === null) throw OAuthError.invalidClient("The Basic credential is not correctly form-encoded.");
  return { clientId, secret };
}

export function authenticateClient(
  deps: { db: Database; clock: Clock },
  params: ProtocolParams,
  authorization: string | null,
  opts: { allowPublic: boolean },
): { client: OidcClient; method: ClientAuthMethod } {
  const bodyId = params.get("client_id", 256);
  const bodySecret = params.get("client_secret", 512);
  if (params.get("client_assertion") || params.get("client_assertion_type")) {
    throw OAuthError.invalidClient("Client assertions are not supported; use client_secret_basic or client_secret_post.");
  }
  let clientId: string;
  let secret: string | null;
  let method: ClientAuthMethod;
  if (authorization && /^basic\b/i.test(authorization)) {
    if (bodySecret) throw OAuthError.invalidRequest("Use one client authentication method: a Basic header or client_secret in the body, not both.");
    const basic = parseBasicAuth(authorization);
    if (bodyId && bodyId !== basic.clientId) throw OAuthError.invalidRequest("client_id in the body does not match the Basic credential.");
    clientId = basic.clientId;
    secret = basic.secret;
    method = "client_secret_basic";
  } else if (bodySecret) {
    if (!bodyId) throw OAuthError.invalidClient("client_secret was sent without client_id.");
    clientId = bodyId;
    secret = bodySecret;
    method = "client_secret_post";
  } else {
    if (!bodyId) throw OAuthError.invalidClient("The client is not authenticated: send a Basic header, client_secret_post, or client_id for public clients.");
    clientId = bodyId;
    secret = null;
    method = "none";
  }
  const client = findClientById(deps.db, clientId);
  if (!client) throw OAuthError.invalidClient("Unknown client or wrong secret.");
  if (client.isPublic) {
    if (!opts.allowPublic) throw OAuthError.invalidClient("Public clients cannot use this endpoint.");
    // A public client has no secret; whatever it sends is ignored.
    return { client, method };
  }
  if (secret === null || secret === "") throw OAuthError.invalidClient("This client must authenticate with its client secret.");
  if (!verifyClientSecret(deps, client.id, secret)) throw OAuthError.invalidClient("Unknown client or wrong secret.");
  return { client, method };
}
