/**
 * In Chromium, a client's federated identities on its admin page: fill the row, add a second with "Add
 * identity" (static/js/admin.js clones the template row), a refused value shown beside its field with nothing
 * stored, remove that row, save with the page's one Save, the row still there after a reload — and then a
 * workload really authenticates with a token from the issuer just configured (a Bun.serve issuer on loopback).
 */
import { expect, test } from "bun:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { CLI_ACTOR } from "../../src/audit/actor.ts";
import { createClient } from "../../src/admin/oidc-clients.ts";
import { listFederatedIdentities } from "../../src/db/federated-identities.ts";
import { adminBrowserWorld } from "../helpers/admin-browser.ts";
import type { TestServer } from "../helpers/server.ts";

let server: TestServer;
const { adminPage } = adminBrowserWorld((s) => (server = s));

test("add, refuse, remove and save federated identities with the page's one Save; the workload then authenticates", async () => {
  const pair = await generateKeyPair("ES256");
  const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "k8s-1", alg: "ES256" }] };
  const issuerServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r) => (new URL(r.url).pathname === "/openid/v1/jwks" ? Response.json(jwks) : new Response("", { status: 404 })) });
  const issuer = `http://127.0.0.1:${issuerServer.port}`;
  const subject = "system:serviceaccount:ci:deployer";
  try {
    const { client } = createClient(server.deps, CLI_ACTOR, { name: "Deployer", callbackUrls: ["https://deploy.example.com/cb"], credentialsScopes: ["deploy:run"], unrestricted: true });
    const page = await adminPage();
    await page.goto(`${server.url}/settings/admin/oidc-clients/${client.id}`);
    const section = page.locator("#client-federated");
    // No identities yet: one empty row to fill.
    expect(await section.locator("fieldset[data-row]").count()).toBe(1);
    await section.locator("#fi-0-fedIssuer").fill(issuer);
    await section.locator("#fi-0-fedSubject").fill(subject);
    await section.locator("#fi-0-fedJwks").fill(`${issuer}/openid/v1/jwks`);
    await section.locator("fieldset[data-row]").first().locator("select").selectOption("off");
    expect(await page.locator("#client-form .save-status").innerText()).toBe("Unsaved changes");

    await section.getByRole("button", { name: "Add identity" }).click();
    expect(await section.locator("fieldset[data-row]").count()).toBe(2);
    // The cloned row's ids are numbered, so its labels still name its fields.
    expect(await section.locator('label[for="fi-new-1-fedIssuer"]').count()).toBe(1);
    await section.locator("fieldset[data-row]").nth(1).getByLabel(/^Issuer/).fill("token.actions.githubusercontent.com");
    await page.getByRole("button", { name: /^Save/ }).click();
    await page.waitForSelector("#fi-1-fedIssuer-error");
    expect(await page.locator("#fi-1-fedIssuer-error").innerText()).toBe(
      "The issuer must be an https URL without user name, query or fragment, such as https://token.actions.githubusercontent.com.",
    );
    expect(await page.locator("#fi-1-fedIssuer").getAttribute("aria-invalid")).toBe("true");
    expect(listFederatedIdentities(server.deps.db, client.id)).toEqual([]);

    await page.locator("#client-federated").getByRole("button", { name: "Remove identity 2" }).click();
    expect(await page.locator("#client-federated fieldset[data-row]").count()).toBe(1);
    await page.getByRole("button", { name: /^Save/ }).click();
    await page.waitForSelector("#client-form .save-status:text('All changes saved.')");
    expect(listFederatedIdentities(server.deps.db, client.id)).toEqual([{ issuer, subject, audience: null, jwksUrl: `${issuer}/openid/v1/jwks`, replayProtection: false }]);

    await page.reload();
    expect(await page.locator("#fi-0-fedIssuer").inputValue()).toBe(issuer);
    expect(await page.locator("#client-federated fieldset[data-row] select").first().inputValue()).toBe("off");
    // The examples fold open and show the workload's request for this client.
    await page.locator("#client-federated details summary").click();
    expect(await page.locator("#client-federated pre").innerText()).toContain(`client_id=${client.id}`);
    await page.context().close();

    // The workload's token from that issuer now authenticates the client.
    const now = Math.floor(server.deps.clock.now() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "k8s-1" })
      .setIssuer(issuer)
      .setSubject(subject)
      .setAudience(server.url)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(pair.privateKey);
    const res = await fetch(`${server.url}/api/oidc/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: client.id, client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: token }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).scope).toBe("deploy:run");
  } finally {
    issuerServer.stop(true);
  }
}, 60_000);
