#!/usr/bin/env bash
# Entrypoint of volume-agent-test/mariadb:10.11, modelled on the official mariadb image's
# docker-entrypoint.sh so that tests see the same first-start behaviour.
#
# Environment (read on the first start only, when the data directory holds no database yet).
# Each MARIADB_* name also has the MYSQL_* name of the official mysql image; MARIADB_* wins.
# Values marked (file) can instead be read from a file named by the same variable + _FILE.
#   MARIADB_ROOT_PASSWORD (file)        password of root@localhost and root@MARIADB_ROOT_HOST
#   MARIADB_ALLOW_EMPTY_ROOT_PASSWORD   any non-empty value: root keeps an empty password
#                                       (MYSQL_ALLOW_EMPTY_PASSWORD)
#   MARIADB_RANDOM_ROOT_PASSWORD        any non-empty value: random root password, printed as
#                                       "GENERATED ROOT PASSWORD: ..."
#   (one of the three above is required)
#   MARIADB_ROOT_HOST (file)            host of the second root account (default %; localhost = none)
#   MARIADB_DATABASE (file)             database to create
#   MARIADB_USER, MARIADB_PASSWORD (file)  account '<user>'@'%' to create, with ALL on that database
#   MARIADB_INITDB_SKIP_TZINFO          any non-empty value: do not load time zone tables
# Scripts in /docker-entrypoint-initdb.d run once, in name order, as root@localhost on
# MARIADB_DATABASE: *.sh (executed when executable, otherwise sourced), *.sql, *.sql.gz,
# *.sql.xz, *.sql.zst.
# root@localhost authenticates with the password only (no unix_socket login), as upstream.
set -Eeo pipefail

mysql_log() {
	local type="$1"; shift
	printf '%s [%s] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$type" "$*"
}
mysql_note() { mysql_log Note "$@"; }
mysql_warn() { mysql_log Warn "$@" >&2; }
mysql_error() {
	mysql_log ERROR "$@" >&2
	exit 1
}

# file_env VAR [DEFAULT]: sets VAR from $VAR, or from the contents of the file named by
# $VAR_FILE (setting both is an error), or to DEFAULT.
file_env() {
	local var="$1"
	local fileVar="${var}_FILE"
	local def="${2:-}"
	if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
		mysql_error "Both $var and $fileVar are set (but are exclusive)"
	fi
	local val="$def"
	if [ "${!var:-}" ]; then
		val="${!var}"
	elif [ "${!fileVar:-}" ]; then
		val="$(< "${!fileVar}")"
	fi
	export "$var"="$val"
	unset "$fileVar"
}

# _mariadb_file_env MYSQL_X [DEFAULT]: resolves MYSQL_X(_FILE) and MARIADB_X(_FILE); both end
# up holding MARIADB_X's value when it is set, otherwise MYSQL_X's.
_mariadb_file_env() {
	local var="$1"; shift
	local maria="MARIADB_${var#MYSQL_}"
	file_env "$var" "$@"
	file_env "$maria" "${!var}"
	if [ "${!maria:-}" ]; then
		export "$var"="${!maria}"
	fi
}

# mysql_get_config NAME SERVER-COMMAND...: the value the server would use for NAME.
mysql_get_config() {
	local conf="$1"; shift
	"$@" --verbose --help 2>/dev/null \
		| awk -v conf="$conf" '$1 == conf && /^[^ \t]/ { sub(/^[^ \t]+[ \t]+/, ""); print; exit }'
}

mysql_check_config() {
	local toRun=("$@" --verbose --help --log-bin-index="$(mktemp -u)") errors
	if ! errors="$("${toRun[@]}" 2>&1 >/dev/null)"; then
		mysql_error "mariadbd failed while attempting to check config"$'\n\t'"command was: ${toRun[*]}"$'\n\t'"$errors"
	fi
}

docker_setup_env() {
	declare -g DATADIR SOCKET
	DATADIR="$(mysql_get_config 'datadir' "$@")"
	DATADIR="${DATADIR%/}"
	SOCKET="$(mysql_get_config 'socket' "$@")"

	_mariadb_file_env 'MYSQL_ROOT_HOST' '%'
	_mariadb_file_env 'MYSQL_DATABASE'
	_mariadb_file_env 'MYSQL_USER'
	_mariadb_file_env 'MYSQL_PASSWORD'
	_mariadb_file_env 'MYSQL_ROOT_PASSWORD'
	# Flags: any non-empty value means yes.
	export MARIADB_ALLOW_EMPTY_ROOT_PASSWORD="${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-${MYSQL_ALLOW_EMPTY_PASSWORD:-}}"
	export MARIADB_RANDOM_ROOT_PASSWORD="${MARIADB_RANDOM_ROOT_PASSWORD:-${MYSQL_RANDOM_ROOT_PASSWORD:-}}"
	export MARIADB_INITDB_SKIP_TZINFO="${MARIADB_INITDB_SKIP_TZINFO:-${MYSQL_INITDB_SKIP_TZINFO:-}}"

	declare -g DATABASE_ALREADY_EXISTS=
	if [ -d "$DATADIR/mysql" ]; then
		DATABASE_ALREADY_EXISTS='true'
	fi
}

# As root: create the data directory (a fresh named volume is root-owned) and the socket's
# directory, and give them to mysql.
docker_create_db_directories() {
	mkdir -p "$DATADIR"
	if [ "$(id -u)" = '0' ]; then
		find "$DATADIR" \! -user mysql -exec chown mysql:mysql '{}' +
		if [ -n "$SOCKET" ]; then
			mkdir -p "$(dirname "$SOCKET")"
			chown mysql:mysql "$(dirname "$SOCKET")"
		fi
	fi
}

docker_verify_minimum_env() {
	if [ -z "$MARIADB_ROOT_PASSWORD" ] && [ -z "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" ] && [ -z "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
		mysql_error $'Database is uninitialized and password option is not specified\n\tYou need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_FILE, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD'
	fi
	if [ -n "$MARIADB_USER" ] && [ -z "$MARIADB_PASSWORD" ]; then
		mysql_error 'MARIADB_USER is set but MARIADB_PASSWORD (or MARIADB_PASSWORD_FILE) is not'
	fi
	if [ "$MARIADB_USER" = 'root' ]; then
		mysql_error 'MARIADB_USER="root" is not allowed; use MARIADB_ROOT_PASSWORD to set the root password'
	fi
	if [ -n "$MARIADB_PASSWORD" ] && [ -z "$MARIADB_USER" ]; then
		mysql_warn 'MARIADB_PASSWORD is set but MARIADB_USER is not; no user is created'
	fi
}

docker_init_database_dir() {
	mysql_note 'Initializing database files'
	shift
	mariadb-install-db --user=mysql --datadir="$DATADIR" --rpm \
		--auth-root-authentication-method=normal --skip-test-db \
		--cross-bootstrap --skip-name-resolve --default-time-zone=SYSTEM --enforce-storage-engine= \
		--skip-log-bin --expire-logs-days=0 \
		--loose-innodb_buffer_pool_load_at_startup=0 --loose-innodb_buffer_pool_dump_at_shutdown=0 \
		"$@"
	mysql_note 'Database files initialized'
}

# mariadb on the local socket as root; --dont-use-mysql-root-password while root has none yet.
docker_process_sql() {
	local password="$MARIADB_ROOT_PASSWORD"
	if [ '--dont-use-mysql-root-password' = "$1" ]; then
		shift
		password=
	fi
	local args=(--protocol=socket -uroot -hlocalhost --socket="$SOCKET")
	if [ -n "$MARIADB_DATABASE" ]; then
		args+=("--database=$MARIADB_DATABASE")
	fi
	MYSQL_PWD="$password" mariadb "${args[@]}" "$@"
}

# A server for the setup only: no networking, so no client sees a half-made database.
docker_temp_server_start() {
	"$@" --skip-networking --default-time-zone=SYSTEM --socket="$SOCKET" --wsrep_on=OFF \
		--expire-logs-days=0 --skip-slave-start \
		--loose-innodb_buffer_pool_load_at_startup=0 --loose-innodb_buffer_pool_dump_at_shutdown=0 &
	declare -g MARIADB_PID
	MARIADB_PID=$!
	mysql_note "Waiting for server startup"
	local i
	for i in {240..0}; do
		if docker_process_sql --dont-use-mysql-root-password --database=mysql <<<'SELECT 1' &>/dev/null; then
			break
		fi
		if ! kill -0 "$MARIADB_PID" 2>/dev/null; then
			mysql_error 'Temporary server exited during startup'
		fi
		sleep 0.25
	done
	if [ "$i" = 0 ]; then
		mysql_error 'Unable to start server.'
	fi
	mysql_note "Temporary server started."
}

docker_temp_server_stop() {
	mysql_note "Stopping temporary server"
	kill "$MARIADB_PID"
	wait "$MARIADB_PID"
	mysql_note "Temporary server stopped"
}

# Backslashes, newlines and single quotes escaped for a '...' literal.
docker_sql_escape_string_literal() {
	local newline=$'\n'
	local escaped=${1//\\/\\\\}
	escaped="${escaped//$newline/\\n}"
	printf '%s' "${escaped//\'/\\\'}"
}

# A `...` identifier.
docker_sql_escape_identifier() {
	printf '`%s`' "${1//\`/\`\`}"
}

docker_setup_db() {
	if [ -z "$MARIADB_INITDB_SKIP_TZINFO" ] && [ -d /usr/share/zoneinfo ]; then
		mysql_note 'Loading time zone info into the system database'
		mariadb-tzinfo-to-sql --skip-write-binlog /usr/share/zoneinfo 2>/dev/null \
			| docker_process_sql --dont-use-mysql-root-password --database=mysql
	fi

	if [ -n "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
		MARIADB_ROOT_PASSWORD="$(head -c 36 /dev/urandom | base64 | tr -d '\n/+=' | head -c 32)"
		export MARIADB_ROOT_PASSWORD MYSQL_ROOT_PASSWORD="$MARIADB_ROOT_PASSWORD"
		mysql_note "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
	fi

	local rootPassword rootHost setRootPassword='' rootCreate=''
	rootPassword="$(docker_sql_escape_string_literal "$MARIADB_ROOT_PASSWORD")"
	rootHost="$(docker_sql_escape_string_literal "$MARIADB_ROOT_HOST")"
	if [ -n "$MARIADB_ROOT_PASSWORD" ]; then
		setRootPassword="SET PASSWORD FOR 'root'@'localhost' = PASSWORD('$rootPassword');"
	fi
	if [ -n "$MARIADB_ROOT_HOST" ] && [ "$MARIADB_ROOT_HOST" != 'localhost' ]; then
		rootCreate="CREATE USER 'root'@'$rootHost' IDENTIFIED BY '$rootPassword';
			GRANT ALL ON *.* TO 'root'@'$rootHost' WITH GRANT OPTION;
			GRANT PROXY ON ''@'%' TO 'root'@'$rootHost' WITH GRANT OPTION;"
	fi

	local createDatabase='' createUser='' userGrants=''
	if [ -n "$MARIADB_DATABASE" ]; then
		mysql_note "Creating database $MARIADB_DATABASE"
		createDatabase="CREATE DATABASE IF NOT EXISTS $(docker_sql_escape_identifier "$MARIADB_DATABASE");"
	fi
	if [ -n "$MARIADB_USER" ] && [ -n "$MARIADB_PASSWORD" ]; then
		local user password
		user="$(docker_sql_escape_string_literal "$MARIADB_USER")"
		password="$(docker_sql_escape_string_literal "$MARIADB_PASSWORD")"
		mysql_note "Creating user $MARIADB_USER"
		createUser="CREATE USER '$user'@'%' IDENTIFIED BY '$password';"
		if [ -n "$MARIADB_DATABASE" ]; then
			mysql_note "Giving user $MARIADB_USER access to schema $MARIADB_DATABASE"
			# In GRANT, _ in a database name is a wildcard: escape it.
			userGrants="GRANT ALL ON $(docker_sql_escape_identifier "${MARIADB_DATABASE//_/\\_}").* TO '$user'@'%';"
		fi
	fi

	mysql_note 'Securing system users'
	# The root password is only now being set: connect without one.
	docker_process_sql --dont-use-mysql-root-password --database=mysql --binary-mode <<-EOSQL
		SET @orig_sql_log_bin = @@SESSION.SQL_LOG_BIN;
		SET @@SESSION.SQL_LOG_BIN = 0;
		SET @@SESSION.SQL_MODE = REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '');

		DROP USER IF EXISTS root@'127.0.0.1', root@'::1', ''@'localhost';
		EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\'', @@hostname, '\', \'\'@\'', @@hostname, '\'');

		${setRootPassword}
		${rootCreate}

		SET @@SESSION.SQL_LOG_BIN = @orig_sql_log_bin;

		${createDatabase}
		${createUser}
		${userGrants}
	EOSQL
}

docker_process_init_files() {
	local f
	echo
	for f; do
		[ -e "$f" ] || continue
		case "$f" in
			*.sh)
				if [ -x "$f" ]; then
					mysql_note "$0: running $f"
					"$f"
				else
					mysql_note "$0: sourcing $f"
					# shellcheck disable=SC1090
					. "$f"
				fi
				;;
			*.sql)     mysql_note "$0: running $f"; docker_process_sql < "$f"; echo ;;
			*.sql.gz)  mysql_note "$0: running $f"; gunzip -c "$f" | docker_process_sql; echo ;;
			*.sql.xz)  mysql_note "$0: running $f"; xzcat "$f" | docker_process_sql; echo ;;
			*.sql.zst) mysql_note "$0: running $f"; zstd -dc "$f" | docker_process_sql; echo ;;
			*)         mysql_warn "$0: ignoring $f" ;;
		esac
		echo
	done
}

# Arguments that only print something must not trigger initialisation.
_mysql_want_help() {
	local arg
	for arg; do
		case "$arg" in
			-'?'|--help|--print-defaults|-V|--version) return 0 ;;
		esac
	done
	return 1
}

# HEALTHCHECK: healthy when the server listens on TCP port 3306. The temporary server of the
# first start has networking off, so this means initialisation is over and the real server is up.
# Reading /proc/net (this container's network namespace) needs no login and, unlike a client
# connection, leaves no "Aborted connection" or "Access denied" line in the server's log.
docker_healthcheck() {
	local files=() f
	for f in /proc/net/tcp /proc/net/tcp6; do
		if [ -r "$f" ]; then files+=("$f"); fi
	done
	# Port 3306 is 0CEA in hex; socket state 0A is LISTEN.
	awk '$2 ~ /:0CEA$/ && $4 == "0A" { found = 1 } END { exit !found }' "${files[@]}"
}

_main() {
	if [ "${1:-}" = 'healthcheck' ]; then
		docker_healthcheck
		exit
	fi
	if [ "${1:0:1}" = '-' ]; then
		set -- mariadbd "$@"
	fi

	if { [ "$1" = 'mariadbd' ] || [ "$1" = 'mysqld' ]; } && ! _mysql_want_help "$@"; then
		mysql_note "Entrypoint script for MariaDB Server $("$1" --version | awk '{ print $3 }') started."
		mysql_check_config "$@"
		docker_setup_env "$@"
		docker_create_db_directories

		if [ "$(id -u)" = '0' ]; then
			mysql_note "Switching to dedicated user 'mysql'"
			# exec keeps one process, so the server ends up as PID 1.
			HOME=/var/lib/mysql exec setpriv --reuid=mysql --regid=mysql --init-groups \
				"${BASH_SOURCE[0]}" "$@"
		fi

		if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
			docker_verify_minimum_env
			# Unreadable init scripts should stop us before initialisation, not halfway through.
			ls /docker-entrypoint-initdb.d/ > /dev/null
			docker_init_database_dir "$@"
			mysql_note 'Starting temporary server'
			docker_temp_server_start "$@"
			docker_setup_db
			docker_process_init_files /docker-entrypoint-initdb.d/*
			docker_temp_server_stop
			echo
			mysql_note 'MariaDB init process done. Ready for start up.'
			echo
		fi
	fi
	exec "$@"
}

_main "$@"
