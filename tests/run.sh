#!/usr/bin/env bash
# `bun run test`: the whole suite, as CI runs it (.ci/run). Extra arguments go to `bun test`.
#   1. tests/setup-system.sh installs the system packages the tests need when missing;
#   2. side by side: the type check, the XSS scan, and the compiled binary the e2e tests share
#      (tests/build-binary.ts: built once here, so the test workers never compile it each);
#   3. every test file (soak and crash included) in two worker processes: most e2e files spend their time
#      waiting on a browser, a child process or a socket, so two of them keep a 2-core machine busy. The
#      longest files start first (tests/timings.json: per-file durations; files it does not list still run).
#      `bash tests/run.sh --update-timings` rewrites it from the run.
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

exec bun test --timeout 60000 --parallel=2 --no-isolate --timings=tests/timings.json "$@"
