#!/usr/bin/env bash
# Makes sure the services the test suite needs answer on loopback:
#   PostgreSQL on 127.0.0.1:5432 (user postgres, no password from 127.0.0.1)
#   Redis      on 127.0.0.1:6379
#   Dovecot    installed (dovecot-imapd); the email tests start their own instances
# Starts them when they are installed but down, installs them with apt-get (Debian/Ubuntu) when
# missing. No systemd needed. Idempotent: run it as often as you like.
# Env: PG_PORT (5432), REDIS_PORT (6379), SKIP_INSTALL=1 to never call apt-get.
set -euo pipefail

PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}

log() { printf 'start-services: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Root, or sudo without a password prompt (no stdin in CI).
SUDO=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else SUDO=(__no_root__); fi
fi
as_root() {
  if [ "${SUDO[0]:-}" = __no_root__ ]; then die "needs root (or passwordless sudo) to run: $*"; fi
  "${SUDO[@]}" "$@"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # wait_for DESCRIPTION SECONDS COMMAND...
  local what=$1 seconds=$2; shift 2
  local i
  for ((i = 0; i < seconds * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "$what did not come up within ${seconds}s"
}

APT_UPDATED=0
apt_install() {
  [ "${SKIP_INSTALL:-0}" = 1 ] && die "$* missing and SKIP_INSTALL=1"
  command -v apt-get >/dev/null 2>&1 || die "$* missing and no apt-get here: install it with your package manager"
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- PostgreSQL ---------------------------------------------------------------------------------

pg_ready() {
  if command -v pg_isready >/dev/null 2>&1; then pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; else port_open "$PG_PORT"; fi
}

pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

# Only for a cluster this script installed: loopback without password, as the tests expect.
configure_fresh_cluster() {
  local version=$1 dir="/etc/postgresql/$1/main"
  log "configuring the new PostgreSQL $version cluster for local tests (loopback only, trust)"
  as_root mkdir -p "$dir/conf.d"
  printf "listen_addresses = '127.0.0.1'\nport = %s\n" "$PG_PORT" | as_root tee "$dir/conf.d/90-ci.conf" >/dev/null
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' | as_root tee "$dir/pg_hba.conf" >/dev/null
}

ensure_postgres() {
  if pg_ready; then log "PostgreSQL answers on 127.0.0.1:$PG_PORT"; return; fi
  local fresh=0
  if [ -z "$(pg_version)" ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt_install postgresql
    fresh=1
  fi
  local version
  version=$(pg_version)
  [ -n "$version" ] || die "no PostgreSQL cluster under /etc/postgresql after install"
  if [ ! -d "/etc/postgresql/$version/main" ]; then
    log "creating cluster $version/main"
    as_root pg_createcluster "$version" main >/dev/null
    fresh=1
  fi
  [ "$fresh" = 1 ] && configure_fresh_cluster "$version"
  log "starting PostgreSQL $version/main"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for "PostgreSQL on 127.0.0.1:$PG_PORT" 60 pg_ready
  log "PostgreSQL $version answers on 127.0.0.1:$PG_PORT"
}

# --- Redis ----------------------------------------------------------------------------------------

redis_ready() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
  else
    port_open "$REDIS_PORT"
  fi
}

ensure_redis() {
  if redis_ready; then log "Redis answers on 127.0.0.1:$REDIS_PORT"; return; fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  as_root mkdir -p /var/lib/redis /var/log/redis
  log "starting redis-server on 127.0.0.1:$REDIS_PORT"
  # `-::1`: bind IPv6 loopback too when the machine has it. No persistence: test data only.
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for "Redis on 127.0.0.1:$REDIS_PORT" 30 redis_ready
  log "Redis answers on 127.0.0.1:$REDIS_PORT"
}

# The email channel's tests start their own Dovecot (tools/dovecot/start-dovecot.sh); only the package is needed.
ensure_dovecot() {
  if [ -x /usr/sbin/dovecot ]; then log "Dovecot is installed"; return; fi
  apt_install dovecot-imapd
}

ensure_postgres
ensure_redis
ensure_dovecot

# The end-to-end tests connect as postgres without a password and create databases.
if command -v psql >/dev/null 2>&1; then
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1 ||
    log "warning: cannot connect as postgres@127.0.0.1 without a password; set TEST_DATABASE_ADMIN_URL for the tests"
fi
