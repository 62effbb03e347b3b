#!/usr/bin/env bash
# Installs Latchkey on a Linux server with systemd (or into a staging root with --root).
#
#   sudo ./install.sh --app-url https://id.example.com          install or upgrade, then enable and start
#   sudo ./install.sh --uninstall                               remove service and binary; keep data and key
#   sudo ./install.sh --uninstall --purge                       also remove data, configuration and the user
#   ./install.sh --root /tmp/stage --app-url https://id.example.com   stage the files only (CI, packaging)
#
# Rules:
# - Re-running upgrades the binary and keeps the data folder and the configuration (the ENCRYPTION_KEY is
#   generated once, never replaced). --app-url on a re-run updates APP_URL only.
# - /var/lib/latchkey is 0700 and owned by the service user; /etc/latchkey/latchkey.env is 0600 root-owned
#   (systemd reads it before dropping privileges).
# - With --root nothing outside DIR is touched: no useradd, no chown, no systemctl; the commands that
#   would run are printed instead.
# - The unit, the configuration's defaults and the sysusers line are the files the .deb installs too
#   (packaging/latchkey.service, latchkey.env, latchkey.sysusers: read from packaging/ beside this script, or
#   from beside it as in a release folder).
set -euo pipefail

PROGRAM=latchkey
SERVICE_USER=latchkey
ROOT=""
APP_URL=""
BINARY=""
MODE=install
PURGE=0

usage() {
  cat <<'EOF'
Usage: install.sh [--app-url URL] [--binary PATH] [--root DIR]
       install.sh --uninstall [--purge] [--root DIR]

Options:
  --app-url URL   Public URL of this Latchkey (https://id.example.com). Required on the first install.
  --binary PATH   The latchkey executable to install (default: ./latchkey next to this script,
                  else build/out/latchkey next to it).
  --root DIR      Install into a staging root instead of /; touches nothing outside DIR.
  --uninstall     Stop and remove the service and the binary; keep data and configuration.
  --purge         With --uninstall: also delete /var/lib/latchkey, /etc/latchkey and the user.
  -h, --help      Show this help.
EOF
}

die() { echo "install.sh: $*" >&2; exit 1; }
usage_error() { echo "install.sh: $*" >&2; usage >&2; exit 2; }
run() { # runs a system command, or prints it in --root mode
  if [[ -n "$ROOT" ]]; then echo "would run: $*"; else "$@"; fi
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --app-url) [[ $# -ge 2 ]] || usage_error "--app-url needs a value"; APP_URL="$2"; shift 2 ;;
    --app-url=*) APP_URL="${1#*=}"; shift ;;
    --binary) [[ $# -ge 2 ]] || usage_error "--binary needs a value"; BINARY="$2"; shift 2 ;;
    --binary=*) BINARY="${1#*=}"; shift ;;
    --root) [[ $# -ge 2 ]] || usage_error "--root needs a value"; ROOT="$2"; shift 2 ;;
    --root=*) ROOT="${1#*=}"; shift ;;
    --uninstall) MODE=uninstall; shift ;;
    --purge) PURGE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "unknown option: $1" ;;
  esac
done

[[ "$PURGE" == 1 && "$MODE" != uninstall ]] && usage_error "--purge only goes with --uninstall"
if [[ -n "$ROOT" ]]; then
  mkdir -p "$ROOT"
  ROOT="$(cd "$ROOT" && pwd)"
  [[ "$ROOT" != "/" ]] || ROOT=""
elif [[ "$(id -u)" != 0 ]]; then
  die "run as root (sudo), or stage into a folder with --root DIR"
fi

BIN_PATH="/usr/local/bin/$PROGRAM"
DATA_DIR="/var/lib/$PROGRAM"
CONF_DIR="/etc/$PROGRAM"
ENV_FILE="$CONF_DIR/$PROGRAM.env"
UNIT_FILE="/etc/systemd/system/$PROGRAM.service"
SYSUSERS_FILE="/usr/lib/sysusers.d/$PROGRAM.conf"

systemd_running() { [[ -z "$ROOT" && -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------- uninstall
if [[ "$MODE" == uninstall ]]; then
  if systemd_running; then
    systemctl disable --now "$PROGRAM.service" 2>/dev/null || true
  elif [[ -n "$ROOT" ]]; then
    echo "would run: systemctl disable --now $PROGRAM.service"
  fi
  rm -f "$ROOT$UNIT_FILE" "$ROOT$BIN_PATH"
  if systemd_running; then systemctl daemon-reload; fi
  if [[ "$PURGE" == 1 ]]; then
    rm -rf "$ROOT$DATA_DIR" "$ROOT$CONF_DIR"
    rm -f "$ROOT$SYSUSERS_FILE"
    if [[ -z "$ROOT" ]] && id "$SERVICE_USER" >/dev/null 2>&1; then userdel "$SERVICE_USER" || true; fi
    [[ -n "$ROOT" ]] && echo "would run: userdel $SERVICE_USER"
    echo "Latchkey removed, including its data and configuration."
  else
    echo "Latchkey removed. Kept the data in $DATA_DIR and the configuration (with ENCRYPTION_KEY) in $ENV_FILE;"
    echo "delete them with: install.sh --uninstall --purge"
  fi
  exit 0
fi

# ------------------------------------------------------------------------------------------------ install
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PACKAGING=""
for dir in "$HERE/packaging" "$HERE"; do
  if [[ -f "$dir/$PROGRAM.service" && -f "$dir/$PROGRAM.env" && -f "$dir/$PROGRAM.sysusers" ]]; then PACKAGING="$dir"; break; fi
done
[[ -n "$PACKAGING" ]] || die "$PROGRAM.service, $PROGRAM.env and $PROGRAM.sysusers not found in $HERE/packaging or $HERE"
if [[ -z "$BINARY" ]]; then
  if [[ -f "$HERE/$PROGRAM" ]]; then BINARY="$HERE/$PROGRAM"; else BINARY="$HERE/build/out/$PROGRAM"; fi
fi
[[ -f "$BINARY" ]] || die "no binary at $BINARY (build one with: bun run build, or pass --binary PATH)"
[[ -x "$BINARY" ]] || chmod +x "$BINARY" 2>/dev/null || die "$BINARY is not executable"
VERSION="$("$BINARY" version 2>/dev/null)" || die "$BINARY does not run ('$BINARY version' failed)"
VERSION="${VERSION%% *}" # "0.1.0 (commit …, built …)" → 0.1.0

EXISTING_URL=""
if [[ -f "$ROOT$ENV_FILE" ]]; then
  EXISTING_URL="$(sed -n 's/^APP_URL=//p' "$ROOT$ENV_FILE" | tail -n 1)"
fi
if [[ -n "$APP_URL" ]]; then
  [[ "$APP_URL" =~ ^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?/?$ ]] || usage_error "--app-url must be an origin such as https://id.example.com (no path), got: $APP_URL"
  APP_URL="${APP_URL%/}"
elif [[ -z "$EXISTING_URL" ]]; then
  usage_error "--app-url is required on the first install"
fi

# 1. The service user (declared for systemd-sysusers too, so image builds get it).
mkdir -p "$ROOT$(dirname "$SYSUSERS_FILE")"
install -m 0644 "$PACKAGING/$PROGRAM.sysusers" "$ROOT$SYSUSERS_FILE"
if [[ -n "$ROOT" ]]; then
  echo "would run: useradd --system --home-dir $DATA_DIR --no-create-home --shell /usr/sbin/nologin $SERVICE_USER"
elif ! id "$SERVICE_USER" >/dev/null 2>&1; then
  useradd --system --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin --user-group "$SERVICE_USER"
fi

# 2. The binary, replaced atomically (a running service keeps its old inode until the restart).
mkdir -p "$ROOT$(dirname "$BIN_PATH")"
install -m 0755 "$BINARY" "$ROOT$BIN_PATH.new"
mv -f "$ROOT$BIN_PATH.new" "$ROOT$BIN_PATH"

# 3. The data folder: private to the service user.
mkdir -p "$ROOT$DATA_DIR"
chmod 0700 "$ROOT$DATA_DIR"
run chown "$SERVICE_USER:$SERVICE_USER" "$DATA_DIR"

# 4. The configuration: created once with a generated key; later runs only update APP_URL.
mkdir -p "$ROOT$CONF_DIR"
chmod 0755 "$ROOT$CONF_DIR"
if [[ ! -f "$ROOT$ENV_FILE" ]]; then
  KEY="$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
  (
    umask 077
    sed -e "s|@APP_URL@|$APP_URL|" -e "s|@ENCRYPTION_KEY@|$KEY|" "$PACKAGING/$PROGRAM.env" >"$ROOT$ENV_FILE.new"
  )
  mv -f "$ROOT$ENV_FILE.new" "$ROOT$ENV_FILE"
elif [[ -n "$APP_URL" && "$APP_URL" != "$EXISTING_URL" ]]; then
  sed -i "s|^APP_URL=.*|APP_URL=$APP_URL|" "$ROOT$ENV_FILE"
fi
chmod 0600 "$ROOT$ENV_FILE"

# 5. The hardened unit (packaging/latchkey.service).
mkdir -p "$ROOT$(dirname "$UNIT_FILE")"
sed -e "s|@BIN_PATH@|$BIN_PATH|" "$PACKAGING/$PROGRAM.service" >"$ROOT$UNIT_FILE"
chmod 0644 "$ROOT$UNIT_FILE"

# 6. Enable and (re)start.
if systemd_running; then
  systemctl daemon-reload
  systemctl enable "$PROGRAM.service" >/dev/null
  systemctl restart "$PROGRAM.service"
  STATE="running (systemctl status $PROGRAM)"
elif [[ -n "$ROOT" ]]; then
  echo "would run: systemctl daemon-reload && systemctl enable $PROGRAM.service && systemctl restart $PROGRAM.service"
  STATE="staged in $ROOT"
else
  STATE="installed, not started (systemd is not running here; once it is: systemctl enable --now $PROGRAM)"
fi

URL="$(sed -n 's/^APP_URL=//p' "$ROOT$ENV_FILE" | tail -n 1)"
echo "Latchkey $VERSION $STATE."
echo "Configuration: $ENV_FILE   Data: $DATA_DIR"
echo "Next: open $URL/setup to create the first administrator."
