/** The client page's snippets: complete, and the callback each app sends agrees with the client's list. */
import { describe, expect, test } from "bun:test";
import { integrationSnippets } from "../../../src/oidc/integration-snippets.ts";

const APP = "https://id.example.com";
const base = { id: "cid", isPublic: false, pkceEnabled: true, callbackUrls: [] as string[], launchUrl: null as string | null };
const snippet = (c: Partial<typeof base>, kind: string) => integrationSnippets({ ...base, ...c }, APP, "Latchkey").find((s) => s.kind === kind)!;

describe("Forgejo", () => {
  test.each([
    ["a listed callback names the authentication", ["https://git.example.com/user/oauth2/Pocket/callback"], null, "Pocket", "https://git.example.com/user/oauth2/Pocket/callback", true],
    ["a percent-encoded name is shown as Forgejo reads it", ["https://git.example.com/user/oauth2/My%20IdP/callback"], null, "My IdP", "https://git.example.com/user/oauth2/My%20IdP/callback", true],
    ["no Forgejo callback: the provider's name, on the launch URL's origin, to add", ["https://git.example.com/other"], "https://git.example.com/explore", "Latchkey", "https://git.example.com/user/oauth2/Latchkey/callback", false],
    ["a wildcard callback is not a Forgejo callback", ["https://*.example.com/user/oauth2/X/callback"], null, "Latchkey", "https://app.example.com/user/oauth2/Latchkey/callback", false],
  ])("%s", (_, callbackUrls, launchUrl, name, url, listed) => {
    const s = snippet({ callbackUrls, launchUrl }, "forgejo");
    expect(s.text.split("\n")[0]).toBe(`Authentication name: ${name}`);
    expect(s.callback).toEqual({ url, listed });
  });
});

test("oauth2-proxy carries the flags it cannot start or admit anyone without", () => {
  const s = snippet({ callbackUrls: ["https://proxy.example.com/oauth2/callback"] }, "oauth2-proxy");
  expect(s.text).toContain("--redirect-url=https://proxy.example.com/oauth2/callback\n");
  expect(s.text).toContain("--cookie-secret=");
  expect(s.text).toContain("--email-domain=*");
  expect(s.callback).toEqual({ url: "https://proxy.example.com/oauth2/callback", listed: true });
});

test("Grafana's root URL is the one its callback is built from", () => {
  const s = snippet({ callbackUrls: ["https://grafana.example.com/login/generic_oauth"] }, "grafana");
  expect(s.text.split("\n")[0]).toBe("GF_SERVER_ROOT_URL=https://grafana.example.com");
  expect(s.callback!.listed).toBe(true);
});

test("a public client's snippets carry no secret placeholder", () => {
  for (const s of integrationSnippets({ ...base, isPublic: true }, APP, "Latchkey")) expect(s.text).not.toContain("<client secret>");
  expect(snippet({}, "generic").text).toContain("OIDC_CLIENT_SECRET=<client secret>");
});
