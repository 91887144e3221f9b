#!/usr/bin/env bash
# A throw-away Dovecot IMAP server on 127.0.0.1 for tests and local trials; no systemd, no /etc/dovecot.
#
#   tools/dovecot/start-dovecot.sh DIR PORT [USER:PASSWORD ...]
#
# Writes DIR/dovecot.conf and DIR/users (default user: support:supportpw), then execs
# `dovecot -F`, so whoever spawns this script gets Dovecot itself as its direct child (no zombie
# left to PID 1) and stops it with SIGTERM. Keep DIR short: Dovecot puts unix sockets under it and a
# socket path must stay under 108 bytes. Ready when PORT accepts connections.
#
# With OAUTH2_INTROSPECTION_URL set, users may also log in with an OAuth2 access token (XOAUTH2 and
# OAUTHBEARER): Dovecot POSTs the token to that URL (RFC 7662 introspection) and accepts the login
# when the answer is {"active": true, "username": <the user>}; the user must also be listed.
# OAUTH2_MECHANISMS narrows the mechanisms offered (e.g. "xoauth2" alone).
set -euo pipefail
DIR=${1:?usage: start-dovecot.sh DIR PORT [USER:PASSWORD ...]}
PORT=${2:?usage: start-dovecot.sh DIR PORT [USER:PASSWORD ...]}
shift 2
USERS=("$@")
[ ${#USERS[@]} -gt 0 ] || USERS=("support:supportpw")
DOVECOT=${DOVECOT_BIN:-/usr/sbin/dovecot}
[ -x "$DOVECOT" ] || { echo "dovecot is not installed (apt-get install dovecot-imapd)" >&2; exit 127; }
[ ${#DIR} -lt 60 ] || { echo "DIR is too long for Dovecot's socket paths: $DIR" >&2; exit 2; }

mkdir -p "$DIR"/run "$DIR"/state "$DIR"/mail "$DIR"/home
if [ "$(id -u)" = 0 ]; then
  # As root Dovecot drops privileges to the Debian package's users, who must reach the folders.
  internal_user=dovecot internal_group=dovecot login_user=dovenull mail_uid=dovecot mail_gid=dovecot
  chmod 0755 "$DIR"
  chown -R dovecot:dovecot "$DIR/mail" "$DIR/home"
else
  internal_user=$(id -un) internal_group=$(id -gn) login_user=$(id -un) mail_uid=$(id -u) mail_gid=$(id -g)
fi

: >"$DIR/users"
for entry in "${USERS[@]}"; do
  printf '%s:{PLAIN}%s::::::\n' "${entry%%:*}" "${entry#*:}" >>"$DIR/users"
done
chmod 0644 "$DIR/users"

OAUTH2_PASSDB=
if [ -n "${OAUTH2_INTROSPECTION_URL:-}" ]; then
  cat >"$DIR/oauth2.conf" <<OAUTH
introspection_mode = post
introspection_url = $OAUTH2_INTROSPECTION_URL
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
OAUTH
  chmod 0644 "$DIR/oauth2.conf"
  OAUTH2_PASSDB="passdb {
  driver = oauth2
  mechanisms = ${OAUTH2_MECHANISMS:-xoauth2 oauthbearer}
  args = $DIR/oauth2.conf
}"
fi

cat >"$DIR/dovecot.conf" <<CONF
instance_name = sb-dovecot-$PORT
base_dir = $DIR/run
state_dir = $DIR/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login${OAUTH2_INTROSPECTION_URL:+ ${OAUTH2_MECHANISMS:-xoauth2 oauthbearer}}
log_path = $DIR/dovecot.log
default_internal_user = $internal_user
default_internal_group = $internal_group
default_login_user = $login_user
first_valid_uid = 0
mail_location = maildir:$DIR/mail/%u
namespace inbox {
  inbox = yes
  separator = /
  mailbox Archive {
    auto = create
  }
  mailbox Trash {
    special_use = \\Trash
    auto = create
  }
}
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u $DIR/users
}
$OAUTH2_PASSDB
userdb {
  driver = passwd-file
  args = username_format=%u $DIR/users
  default_fields = uid=$mail_uid gid=$mail_gid home=$DIR/home/%u
}
# chroot is refused when not root, and not needed as root on loopback
service anvil {
  chroot =
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
CONF
exec "$DOVECOT" -F -c "$DIR/dovecot.conf"
