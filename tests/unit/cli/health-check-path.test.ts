/**
 * While the first signing key is generated, only the health check is answered at once (src/cli/serve.ts); every
 * other request waits. Which url counts as the health check, for every spelling a client can send: relative (an
 * HTTP/1.0 request without Host), absolute, with a query, and hostile look-alikes, never a throw.
 */
import { expect, test } from "bun:test";
import { isHealthCheck } from "../../../src/cli/serve.ts";

test.each([
  ["/healthz", true], // HTTP/1.0 without Host: Bun's request.url is relative
  ["http://localhost:1411/healthz", true],
  ["http://x/healthz", true],
  ["http://127.0.0.1:1411/healthz?verbose=1", true],
  ["http://localhost:1411/healthz/", false],
  ["http://localhost:1411/healthz/../setup", false],
  ["http://localhost:1411/x/../healthz", true], // the WHATWG parser resolves it to /healthz, as the router does
  ["http://localhost:1411/%68ealthz", false],
  ["http://localhost:1411/HEALTHZ", false],
  ["//healthz", false], // scheme-relative: a host named healthz
  ["\\\\healthz", false],
  ["http://localhost:1411/healthz%00", false],
  ["http://localhost:1411/" + "a/".repeat(10_000) + "healthz", false],
  ["", false],
  ["http://[::1", false], // unparseable: refused quietly, held like any other request
])("%s → %p", (url, expected) => {
  expect(isHealthCheck(url)).toBe(expected);
});
