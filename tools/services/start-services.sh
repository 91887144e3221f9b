#!/usr/bin/env bash
# Makes sure the services the test suite needs answer on loopback:
#   PostgreSQL on 127.0.0.1:5432 (user postgres, no password from 127.0.0.1)
#   Redis      on 127.0.0.1:6379
#   MariaDB    on 127.0.0.1:3306 (user root, no password from 127.0.0.1): the legacy-import tests
# Starts them when they are installed but down, installs them with apt-get (Debian/Ubuntu) when
# missing. No systemd needed. Idempotent: run it as often as you like.
# Env: PG_PORT (5432), REDIS_PORT (6379), MARIADB_PORT (3306), SKIP_INSTALL=1 to never call apt-get.
set -euo pipefail

PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
MARIADB_PORT=${MARIADB_PORT:-3306}

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

# --- MariaDB --------------------------------------------------------------------------------------

MARIADB_SOCKET=/run/mysqld/mysqld.sock
mariadb_tcp_ready() { mariadb-admin --no-defaults -h 127.0.0.1 -P "$MARIADB_PORT" -uroot ping >/dev/null 2>&1; }
mariadb_socket_ready() { as_root mariadb-admin --no-defaults --socket="$MARIADB_SOCKET" -uroot ping >/dev/null 2>&1; }

ensure_mariadb() {
  if mariadb_tcp_ready; then log "MariaDB answers on 127.0.0.1:$MARIADB_PORT"; return; fi
  if port_open "$MARIADB_PORT"; then
    log "warning: something listens on 127.0.0.1:$MARIADB_PORT but root cannot log in without a password; set TEST_MARIADB_URL for the tests"
    return
  fi
  local fresh=0
  if ! command -v mariadbd >/dev/null 2>&1; then
    apt_install mariadb-server
    fresh=1
  fi
  as_root mkdir -p /run/mysqld /var/log/mysql
  as_root chown mysql:mysql /run/mysqld /var/log/mysql
  if [ ! -d /var/lib/mysql/mysql ]; then
    log "initialising /var/lib/mysql"
    as_root mariadb-install-db --no-defaults --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
    fresh=1
  fi
  # No systemd: the server runs detached; --no-defaults keeps the distribution's my.cnf out.
  log "starting mariadbd on 127.0.0.1:$MARIADB_PORT"
  as_root sh -c "nohup mariadbd --no-defaults --user=mysql --datadir=/var/lib/mysql --bind-address=127.0.0.1 \
    --port=$MARIADB_PORT --socket=$MARIADB_SOCKET --pid-file=/run/mysqld/mysqld.pid --log-error=/var/log/mysql/ci.log \
    --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci >/dev/null 2>&1 &"
  wait_for "MariaDB socket $MARIADB_SOCKET" 60 mariadb_socket_ready
  if [ "$fresh" = 1 ]; then
    # Only for a server this script installed: root from loopback without a password, as the tests expect.
    log "allowing root@127.0.0.1 without a password (fresh MariaDB, local tests only)"
    as_root mariadb --no-defaults --socket="$MARIADB_SOCKET" -uroot -e \
      "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
  fi
  if mariadb_tcp_ready; then
    log "MariaDB answers on 127.0.0.1:$MARIADB_PORT"
  else
    log "warning: MariaDB runs but root@127.0.0.1 needs a password; set TEST_MARIADB_URL for the tests"
  fi
}

ensure_postgres
ensure_redis
ensure_mariadb

# The end-to-end tests connect as postgres without a password and create databases.
if command -v psql >/dev/null 2>&1; then
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1 ||
    log "warning: cannot connect as postgres@127.0.0.1 without a password; set TEST_DATABASE_ADMIN_URL for the tests"
fi
