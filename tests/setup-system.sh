#!/usr/bin/env bash
# Installs the system packages the test suite needs, when missing (part of `bun run test`):
#   chromium  Debian's browser, driven by playwright-core for the browser tests (never a downloaded one)
#   nginx-light, caddy  real reverse proxies in front of Latchkey for the forward-auth tests (auth_request, forward_auth)
#   slapd     OpenLDAP server (+ ldap-utils), started on loopback by the LDAP sync tests
#   fonts-noto-cjk  Chinese and Japanese glyphs, so the browser tests measure CJK pages as people see them
#   openssl   self-signed certificates for the TLS tests (SMTP, LDAP) and the browser tests' stand-in applications
#   buildah, podman  build the container image (FROM scratch, nothing pulled) and save it as an OCI archive
#   postgresql  PostgreSQL's server (initdb, pg_ctl, postgres), started in a temporary folder by the PostgreSQL tests
#             (tests/helpers/postgres.ts; never the system service)
# Uses apt-get (one `apt-get update`); runs as root, or through sudo when not root and sudo is available.
set -euo pipefail

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium fonts-liberation)
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
[[ -x /usr/sbin/slapd ]] || missing+=(slapd ldap-utils)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
compgen -G "/usr/share/fonts/opentype/noto/NotoSansCJK*" >/dev/null || missing+=(fonts-noto-cjk)
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
command -v podman >/dev/null 2>&1 || missing+=(podman)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: missing ${missing[*]} and apt-get is not available; install them with your package manager" >&2
  exit 1
fi

sudo=()
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "setup-system: missing ${missing[*]}; run as root or install sudo (apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

echo "setup-system: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup-system: done" >&2
