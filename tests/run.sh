#!/usr/bin/env bash
# `bun run test`: the whole suite, as CI runs it (.ci/run). Extra arguments go to `bun test`.
#   1. tests/setup-system.sh installs the system packages the tests need when missing;
#   2. side by side: the type check, the XSS scan, and the compiled binary the e2e tests share
#      (tests/build-binary.ts: built once here, so the test workers never compile it each);
#   3. every test file (soak and crash included) in two worker processes: most e2e files spend their time
#      waiting on a browser, a child process or a socket, so two of them keep a 2-core machine busy. The
#      longest files start first (tests/timings.json: per-file durations; files it does not list still run).
#      `bash tests/run.sh --update-timings` rewrites it from the run.
#   4. the PostgreSQL pass (issue 21): the storage suite, the OIDC flows, the admin and account code, the clusters'
#      tests and the browser sign-in again, with LATCHKEY_TEST_ENGINE=postgres: each test database is a PostgreSQL
#      database of a real server the test process starts itself (tests/helpers/postgres.ts, never the system
#      service). Skipped when arguments name what to run (then set LATCHKEY_TEST_ENGINE=postgres yourself).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/setup-system.sh

bun run typecheck & typecheck=$!
bun run xss-scan & scan=$!
bun tests/build-binary.ts & build=$!
status=0
wait "$typecheck" || status=1
wait "$scan" || status=1
wait "$build" || status=1
if [[ $status != 0 ]]; then
  echo "test: the type check, the XSS scan or the binary build failed (see above)" >&2
  exit "$status"
fi

status=0
bun test --timeout 60000 --parallel=2 --no-isolate --timings=tests/timings.json "$@" || status=$?
if [[ $# -gt 0 ]]; then
  exit "$status"
fi

echo "test: the PostgreSQL pass" >&2
POSTGRES_PASS=(
  tests/unit/db tests/unit/oidc tests/unit/admin tests/unit/audit tests/unit/cluster tests/unit/forward-auth
  tests/unit/http tests/unit/ldap tests/unit/mail tests/unit/maintenance tests/unit/pocket-id tests/unit/rate-limits
  tests/unit/webauthn tests/unit/cli tests/unit/account/device-login.test.ts tests/unit/account/api-setup.test.ts tests/unit/scim
  tests/e2e/oidc-openid-client.test.ts tests/e2e/oidc-resources-openid-client.test.ts tests/e2e/oidc-browser.test.ts tests/e2e/passkeys-browser.test.ts
  tests/e2e/device-login-browser.test.ts tests/e2e/federated-client-openid-client.test.ts tests/e2e/scim-browser.test.ts
  tests/e2e/client-metadata-openid-client.test.ts tests/e2e/client-metadata-browser.test.ts tests/e2e/federated-identities-browser.test.ts
)
LATCHKEY_TEST_ENGINE=postgres bun test --timeout 60000 --parallel=2 --no-isolate --timings=tests/timings.json "${POSTGRES_PASS[@]}" || status=$?
exit "$status"
