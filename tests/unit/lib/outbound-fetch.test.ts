/**
 * The safe outbound fetcher: the production address table (hostile inputs), the pinned connection (the Host header
 * and TLS name stay the URL's while the socket goes to the checked address), redirects re-checked hop by hop,
 * size, deadline and media type — against a real loopback HTTPS server.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fetchOutbound, isPublicAddress, OutboundFetchError, productionOutboundPolicy, refusedAddressList, type OutboundRequest } from "../../../src/lib/outbound-fetch.ts";
import { startDocumentHost, type DocumentHost } from "../../helpers/document-host.ts";

const list = refusedAddressList(["2a01:4f8:1::/48"]);

describe("production address rules", () => {
  test.each([
    "0.0.0.0", "127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254",
    "100.64.0.1", "100.100.100.200", "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250",
    "255.255.255.255", "240.0.0.1", "::", "::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
    "64:ff9b::7f00:1", "2001::1", "2001:db8::1", "2002:7f00:1::", "fc00::1", "fd00:ec2::254", "fe80::1", "fec0::1", "ff02::1",
    "2a01:4f8:1::5", "fe80::1%eth0", "localhost", "example.com", "", "1.2.3", "01.2.3.4",
  ])("refused: %s", (address) => {
    expect(isPublicAddress(list, address)).toBe(false);
  });
  test.each(["93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "2a01:4f8:2::1", "::ffff:8.8.8.8"])("public: %s", (address) => {
    expect(isPublicAddress(list, address)).toBe(true);
  });
});

let host: DocumentHost;
beforeAll(async () => {
  host = await startDocumentHost({ timeoutMs: 300 });
  host.serve("/echo", (r) => Response.json({ host: r.headers.get("host"), ua: r.headers.get("user-agent"), cookie: r.headers.get("cookie") }));
  host.serve("/hop", () => Response.redirect(host.url("app.test", "/echo"), 302));
  host.serve("/hop-private", () => Response.redirect(`https://[::1]:${host.port}/echo`, 302));
  host.serve("/hop-http", () => Response.redirect(`http://app.test:${host.port}/echo`, 302));
  const to = (location: string) => () => new Response(null, { status: 302, headers: { location } });
  host.serve("/hop-backslash", () => to(`/\\127.0.0.2:${host.port}/echo`)());
  host.serve("/hop-scheme-relative", () => to(`//[::1]:${host.port}/echo`)());
  host.serve("/hop-credentials", () => to(`https://u:p@app.test:${host.port}/echo`)());
  host.serve("/hop-file", to("file:///etc/passwd"));
  host.serve("/hop-empty", to(""));
  host.serve("/hop-unparsable", to("https://[::1/x"));
  host.serve("/loop", () => Response.redirect(host.url("app.test", "/loop"), 302));
  host.serve("/big", () => new Response("x".repeat(5000), { headers: { "content-type": "application/json" } }));
  host.serve("/big-stream", () => new Response(new ReadableStream({ start(c) { for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode("y".repeat(1000))); c.close(); } }), { headers: { "content-type": "application/json" } }));
  host.serve("/slow-body", () => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("{")); } }), { headers: { "content-type": "application/json" } }));
  host.serve("/html", () => new Response("<p>", { headers: { "content-type": "text/html; charset=utf-8" } }));
});
afterAll(() => host.stop());

const json: OutboundRequest = { accept: (t) => t === "application/json", acceptHeader: "application/json", maxBytes: 4096, timeoutMs: 10_000, maxRedirects: 0, userAgent: "latchkey-test" };

async function refusal(url: string, request: Partial<OutboundRequest> = {}, policy = host.policy): Promise<string> {
  try {
    await fetchOutbound(policy, url, { ...json, ...request });
  } catch (e) {
    if (e instanceof OutboundFetchError) return e.reason;
    throw e;
  }
  return "fetched";
}

test("connects to the checked address with the URL's Host and TLS name; sends no cookie", async () => {
  const r = await fetchOutbound(host.policy, host.url("app.test", "/echo"), json);
  expect(JSON.parse(new TextDecoder().decode(r.body))).toEqual({ host: `app.test:${host.port}`, ua: "latchkey-test", cookie: null });
  expect(r.mediaType).toBe("application/json");
});

test("a name the certificate does not hold fails TLS (the certificate is checked against the URL's name)", async () => {
  expect(await refusal(host.url("unlisted.test", "/echo"))).toBe("network");
});

test.each([
  ["a redirect when none are allowed", "/hop", {}, "redirect"],
  ["a redirect to another loopback address", "/hop-private", { maxRedirects: 3 }, "address"],
  ["a redirect to plain http", "/hop-http", { maxRedirects: 3 }, "scheme"],
  ["a redirect loop", "/loop", { maxRedirects: 3 }, "redirect"],
  ["a redirect whose backslash makes it another loopback host", "/hop-backslash", { maxRedirects: 3 }, "address"],
  ["a scheme-relative redirect to another loopback address", "/hop-scheme-relative", { maxRedirects: 3 }, "address"],
  ["a redirect carrying credentials", "/hop-credentials", { maxRedirects: 3 }, "url"],
  ["a redirect to a file: URL", "/hop-file", { maxRedirects: 3 }, "scheme"],
  ["a redirect with an empty Location", "/hop-empty", { maxRedirects: 3 }, "redirect"],
  ["a redirect whose Location is not a URL", "/hop-unparsable", { maxRedirects: 3 }, "redirect"],
  ["a declared body over the limit", "/big", {}, "too-large"],
  ["a streamed body over the limit", "/big-stream", {}, "too-large"],
  ["a body that never ends", "/slow-body", {}, "timeout"],
  ["another media type", "/html", {}, "content-type"],
  ["a status other than 200", "/missing", {}, "status"],
] as const)("refused: %s", async (_name, path, request, reason) => {
  expect(await refusal(host.url("app.test", path), request)).toBe(reason);
});

test("a redirect to a public host's page is followed when allowed, and re-checked", async () => {
  const r = await fetchOutbound(host.policy, host.url("app.test", "/hop"), { ...json, maxRedirects: 1 });
  expect(r.url).toBe(host.url("app.test", "/echo"));
});

test.each([
  ["http", `http://app.test:1/x`, "scheme"],
  ["file", "file:///etc/passwd", "scheme"],
  ["credentials", "https://u:p@app.test/x", "url"],
  ["not a URL", "not a url", "url"],
])("refused URL: %s", async (_name, url, reason) => {
  expect(await refusal(url)).toBe(reason);
});

test("the production policy refuses loopback, by name and by literal, before connecting", async () => {
  const production = productionOutboundPolicy();
  for (const url of [`https://localhost:${host.port}/prod`, `https://127.0.0.1:${host.port}/prod`, `https://[::1]:${host.port}/prod`, `https://2130706433:${host.port}/prod`, `https://[::ffff:127.0.0.1]:${host.port}/prod`]) {
    expect(await refusal(url, {}, production)).toBe("address");
  }
  expect(host.requests.get("/prod")).toBeUndefined();
});

test("a name resolving to one private address among public ones is refused (no guessing which one is used)", async () => {
  const policy = { ...productionOutboundPolicy(), resolve: async () => ["93.184.215.14", "10.0.0.1"] };
  expect(await refusal("https://mixed.example/x", {}, policy)).toBe("address");
});
