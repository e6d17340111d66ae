#!/usr/bin/env bash
# Makes sure the backends the integration tests use are installed, running and reachable:
#   PostgreSQL  127.0.0.1:5432  user postgres, no password (trust for 127.0.0.1)
#   MariaDB     127.0.0.1:3306  user root, empty password
# Idempotent: when both answer it only checks. Otherwise it installs the Debian packages if
# missing (postgresql, mariadb-server), sets up the authentication above, starts the servers
# without systemd, and waits up to BACKEND_WAIT_SECONDS (default 60) for each.
# Exits non-zero with a clear message if a backend cannot be made reachable.
# Then runs scripts/mongodb.sh (a MongoDB-wire server on 127.0.0.1:27017), when present.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
MY_HOST=127.0.0.1
MY_PORT=3306
WAIT_SECONDS=${BACKEND_WAIT_SECONDS:-60}
HBA_MARKER="# fedgate test backends (scripts/backends.sh)"

log() { printf 'backends: %s\n' "$*" >&2; }
die() {
    printf 'backends: ERROR: %s\n' "$*" >&2
    exit 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        die "need root to run: $*"
    fi
}

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* by hand"
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
            die "apt-get update failed"
        APT_UPDATED=1
    fi
    log "installing $*"
    # policy-rc.d-less containers may fail to start the service from the postinst; that is
    # fine, this script starts the servers itself.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" ||
        die "apt-get install $* failed"
}

# Runs "$@" every second until it succeeds or WAIT_SECONDS pass.
wait_for() {
    local what=$1
    shift
    local waited=0
    until "$@" >/dev/null 2>&1; do
        if [ "$waited" -ge "$WAIT_SECONDS" ]; then
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "$what is up"
}

# ---------------------------------------------------------------- PostgreSQL

pg_ok() {
    command -v psql >/dev/null 2>&1 &&
        psql -X -w -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atc 'select 1' 2>/dev/null |
        grep -qx 1
}

pg_version() {
    # The newest installed server version (directory names under /usr/lib/postgresql).
    local v
    v=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null |
        sed 's#^/usr/lib/postgresql/\([^/]*\)/bin/postgres$#\1#' | sort -V | tail -n 1)
    printf '%s' "$v"
}

pg_ensure_hba() {
    local hba=$1
    if grep -qF "$HBA_MARKER" "$hba"; then
        return 0
    fi
    log "allowing trust authentication for postgres from 127.0.0.1 in $hba"
    local tmp
    tmp=$(mktemp)
    {
        printf '%s\n' "$HBA_MARKER"
        printf 'host    all    postgres    127.0.0.1/32    trust\n'
        printf 'host    all    postgres    ::1/128         trust\n'
        cat "$hba"
    } >"$tmp"
    as_root cp "$tmp" "$hba"
    rm -f "$tmp"
    return 1 # changed
}

ensure_postgres() {
    if pg_ok; then
        log "PostgreSQL answers on $PG_HOST:$PG_PORT"
        return 0
    fi
    log "PostgreSQL does not answer on $PG_HOST:$PG_PORT as postgres; setting it up"
    local version
    version=$(pg_version)
    if [ -z "$version" ] || ! command -v psql >/dev/null 2>&1 || ! command -v pg_ctlcluster >/dev/null 2>&1; then
        apt_install postgresql postgresql-client
        version=$(pg_version)
        [ -n "$version" ] || die "postgresql installed but no server binary under /usr/lib/postgresql"
    fi
    if [ ! -d "/etc/postgresql/$version/main" ]; then
        log "creating cluster $version/main on port $PG_PORT"
        as_root pg_createcluster --port "$PG_PORT" "$version" main ||
            die "pg_createcluster $version main failed"
    fi
    local conf_port
    conf_port=$(sed -n 's/^[[:space:]]*port[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' \
        "/etc/postgresql/$version/main/postgresql.conf" | tail -n 1)
    if [ -n "$conf_port" ] && [ "$conf_port" != "$PG_PORT" ]; then
        die "cluster $version/main is configured for port $conf_port, not $PG_PORT (/etc/postgresql/$version/main/postgresql.conf)"
    fi

    local hba_changed=0
    pg_ensure_hba "/etc/postgresql/$version/main/pg_hba.conf" || hba_changed=1

    if pg_ctlcluster "$version" main status >/dev/null 2>&1; then
        if [ "$hba_changed" -eq 1 ]; then
            log "reloading PostgreSQL $version/main"
            as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload ||
                die "pg_ctlcluster $version main reload failed"
        fi
    else
        log "starting PostgreSQL $version/main"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
            die "pg_ctlcluster $version main start failed; see /var/log/postgresql/postgresql-$version-main.log"
    fi

    wait_for "PostgreSQL" pg_isready -q -h "$PG_HOST" -p "$PG_PORT" ||
        die "PostgreSQL did not accept connections on $PG_HOST:$PG_PORT within ${WAIT_SECONDS}s; see /var/log/postgresql/postgresql-$version-main.log"
    wait_for "PostgreSQL login as postgres" pg_ok ||
        die "PostgreSQL runs on $PG_HOST:$PG_PORT but user postgres cannot log in without a password; check /etc/postgresql/$version/main/pg_hba.conf"
}

# ---------------------------------------------------------------- MariaDB

my_client() {
    if command -v mariadb >/dev/null 2>&1; then
        printf 'mariadb'
    elif command -v mysql >/dev/null 2>&1; then
        printf 'mysql'
    fi
}

# root with an empty password over TCP.
my_tcp_ok() {
    local client
    client=$(my_client)
    [ -n "$client" ] &&
        "$client" --protocol=TCP -h "$MY_HOST" -P "$MY_PORT" -uroot --password= -N -e 'select 1' 2>/dev/null |
        grep -qx 1
}

# root over the local socket (unix_socket authentication as OS root on a fresh install).
my_socket_ok() {
    local client
    client=$(my_client)
    [ -n "$client" ] && as_root "$client" -uroot -N -e 'select 1' 2>/dev/null | grep -qx 1
}

my_server_bin() {
    local b
    for b in /usr/sbin/mariadbd /usr/sbin/mysqld; do
        if [ -x "$b" ]; then
            printf '%s' "$b"
            return 0
        fi
    done
}

ensure_mariadb() {
    if my_tcp_ok; then
        log "MariaDB answers on $MY_HOST:$MY_PORT"
        return 0
    fi
    log "MariaDB does not answer on $MY_HOST:$MY_PORT as root; setting it up"
    local server
    server=$(my_server_bin)
    if [ -z "$server" ] || [ -z "$(my_client)" ]; then
        apt_install mariadb-server mariadb-client
        server=$(my_server_bin)
        [ -n "$server" ] || die "mariadb-server installed but /usr/sbin/mariadbd is missing"
    fi

    if ! my_socket_ok && ! my_tcp_ok; then
        id mysql >/dev/null 2>&1 || die "user mysql does not exist (is mariadb-server installed correctly?)"
        as_root install -d -o mysql -g mysql -m 0755 /run/mysqld
        if [ ! -d /var/lib/mysql/mysql ]; then
            log "initializing the MariaDB data directory /var/lib/mysql"
            as_root mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null ||
                die "mariadb-install-db failed"
        fi
        log "starting MariaDB ($server)"
        as_root start-stop-daemon --start --oknodo --background --exec "$server" -- --user=mysql ||
            die "could not start $server"
        wait_for "MariaDB" sh -c "$(my_client) -uroot -e 'select 1' || $(my_client) --protocol=TCP -h $MY_HOST -P $MY_PORT -uroot --password= -e 'select 1'" ||
            die "MariaDB did not answer within ${WAIT_SECONDS}s; see /var/log/mysql/error.log"
    fi

    if ! my_tcp_ok; then
        my_socket_ok || die "MariaDB runs but root can log in neither over TCP nor over the socket"
        log "allowing root with an empty password over TCP"
        # A fresh Debian install authenticates root@localhost by unix_socket only.
        as_root "$(my_client)" -uroot -e "
            ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
            CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
            GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
            FLUSH PRIVILEGES;" ||
            die "could not set up root with an empty password"
    fi
    wait_for "MariaDB login as root over TCP" my_tcp_ok ||
        die "MariaDB does not accept root with an empty password on $MY_HOST:$MY_PORT; check bind-address/port in /etc/mysql and the root account"
}

main() {
    ensure_postgres
    ensure_mariadb
    # The MongoDB-wire server of the mongodb adapter's tests has its own script.
    local mongodb_script
    mongodb_script="$(dirname "${BASH_SOURCE[0]}")/mongodb.sh"
    if [ -f "$mongodb_script" ]; then
        bash "$mongodb_script" || die "$mongodb_script failed"
    fi
    log "all backends reachable"
}

# Sourcing the file (for testing its functions) does not run it.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
