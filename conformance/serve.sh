# conformance/serve.sh: sourced by the conformance runners (`run`, `run-scim-sanity`), never run
# on its own. Two functions:
#
#   ensure_venv VENV REQUIREMENTS   a virtualenv with the pinned requirements, (re)installed
#                                   when the file changes; needs `python` (3.11+)
#   start_gatehouse                 a freshly built, freshly bootstrapped gatehouse on a free
#                                   loopback port, on SQLite (a temporary directory) or, with
#                                   GATEHOUSE_CONFORMANCE_DATABASE_URL=mysql://…, on a new
#                                   database of that server; stopped, and that database
#                                   dropped, on any exit (a trap)
#
# start_gatehouse expects from the runner: `here` (conformance/), `root` (the repository), `vpy` (a Python
# 3.11+ for small probes), `run_label` (the prefix of the log files), `db_url`, the
# functions `say` and `die`, and optionally the array `gatehouse_settings` (NAME=VALUE each,
# exported for gatehouse after the caller's own GATEHOUSE_* are cleared). Leaves: `backend` (sqlite|mysql), `token` (the SCIM bearer
# token), `base_url` (its /scim/v2 base), `log` ($here/$run_label-$backend.log, for the
# runner's output) and `server_log` (gatehouse's own log).

ensure_venv() {
  local venv="$1" requirements="$2" want_pins
  want_pins="$(cksum < "$requirements")"
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$want_pins" ]; then
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
      || die "the suites need Python >= 3.11; $python is $("$python" -V 2>&1). Set PYTHON=…"
    say "installing the pinned suite (${requirements#"$root"/}) into ${venv#"$root"/}"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv" || die "could not create $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" \
      || die "pip install failed (delete $venv to start over)"
    printf '%s\n' "$want_pins" > "$venv/.requirements"
  fi
}

start_gatehouse() {
  # ---------------------------------------------------------------- 2. the backend
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-conformance.XXXXXX")"
  server_pid=""
  mysql_db=""
  mysql_cli=()

  # Runs on any exit: stops the server, drops the MySQL database, removes the temporary files.
  # shellcheck disable=SC2317  # reached through the trap
  cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
      kill -TERM "$server_pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL "$server_pid" 2>/dev/null || true
      wait "$server_pid" 2>/dev/null || true
    fi
    if [ -n "$mysql_db" ]; then
      "${mysql_cli[@]}" -e "DROP DATABASE IF EXISTS \`$mysql_db\`" >/dev/null 2>&1 \
        || say "could not drop the database $mysql_db" >&2
    fi
    rm -rf "$tmp"
  }
  trap cleanup EXIT
  trap 'exit 130' INT TERM

  case "$db_url" in
    "")
      backend=sqlite
      features=()
      database_url="sqlite://$tmp/g.db"
      ;;
    mysql://*)
      backend=mysql
      features=(--features mysql)
      # mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?OPTIONS] (as GATEHOUSE_DATABASE_URL takes it)
      rest="${db_url#mysql://}"
      userinfo="root"
      if [[ "$rest" == *@* ]]; then userinfo="${rest%%@*}"; rest="${rest#*@}"; fi
      hostport="${rest%%/*}"
      dbname="${rest#*/}"
      options=""
      if [[ "$dbname" == *\?* ]]; then options="?${dbname#*\?}"; dbname="${dbname%%\?*}"; fi
      if [ -z "$dbname" ] || [ "$dbname" = "$rest" ]; then die "no database name in $db_url"; fi
      user="${userinfo%%:*}"
      password=""
      if [[ "$userinfo" == *:* ]]; then password="${userinfo#*:}"; fi
      host="${hostport%%:*}"
      port=3306
      if [[ "$hostport" == *:* ]]; then port="${hostport##*:}"; fi
      command -v mysql >/dev/null || die "the mysql client is needed for $db_url"
      # MYSQL_PWD keeps the password off the command line; empty means none. (A percent-encoded
      # password is passed as written.)
      mysql_cli=(env "MYSQL_PWD=$password" mysql --protocol=TCP -u"$user" -h"$host" -P"$port")
      # A fresh database for this run, named after the URL's, dropped by cleanup().
      mysql_db="${dbname}_conf_$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
      "${mysql_cli[@]}" -e "CREATE DATABASE \`$mysql_db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" \
        || { mysql_db=""; die "could not create a database on $host:$port as $user"; }
      database_url="mysql://$userinfo@$hostport/$mysql_db$options"
      say "using the MySQL database $mysql_db on $host:$port"
      ;;
    *)
      die "GATEHOUSE_CONFORMANCE_DATABASE_URL must be unset (SQLite) or a mysql:// URL"
      ;;
  esac
  log="$here/$run_label-$backend.log"
  server_log="$here/$run_label-$backend.server.log"

  # ---------------------------------------------------------------- 3. build and start
  # Default features are SQLite only; MySQL needs --features mysql (cargo is a no-op when fresh).
  say "building gatehouse (${backend})"
  (cd "$root" && cargo build --quiet ${features[@]+"${features[@]}"}) || die "cargo build failed"
  # Where cargo put it: target/ unless CARGO_TARGET_DIR or a cargo config says otherwise.
  target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps \
    | "$vpy" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')" \
    || die "cargo metadata failed"
  bin="$target_dir/debug/gatehouse"

  # A free loopback port (never 8080 or 18080, which other people's servers use).
  while :; do
    port="$("$vpy" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    [ "$port" != 8080 ] && [ "$port" != 18080 ] && break
  done

  # Only what this run sets: the caller's own GATEHOUSE_* settings must not leak in.
  while IFS='=' read -r name _; do unset "$name"; done < <(env | grep -E '^GATEHOUSE_[A-Z_]+=' || true)
  unset RUST_LOG
  export GATEHOUSE_DATABASE_URL="$database_url"
  export GATEHOUSE_LISTEN="127.0.0.1:$port"
  export GATEHOUSE_LOG_FORMAT=json
  # The runner's own settings, NAME=VALUE each (e.g. a switch its suite needs).
  for setting in ${gatehouse_settings[@]+"${gatehouse_settings[@]}"}; do export "${setting?}"; done

  # Credentials: bootstrap the empty database before serving (serve then finds it non-empty and
  # doesn't bootstrap again). It prints one JSON object; the token stays in this process.
  "$bin" bootstrap --org Conformance --domain conformance.example \
    --admin-email admin@conformance.example --json > "$tmp/bootstrap.json" \
    || die "gatehouse bootstrap failed"
  read -r token base_url < <("$vpy" -c '
import json, sys
b = json.load(open(sys.argv[1]))
print(b["scim_token"], b["scim_base_url"])' "$tmp/bootstrap.json") \
    || die "unexpected output from gatehouse bootstrap --json"

  "$bin" serve > "$server_log" 2>&1 &
  server_pid=$!

  # Wait (up to 60 s) for /readyz to answer 200; give up early if the server exits.
  ready_probe='
import sys, urllib.request
try:
    sys.exit(urllib.request.urlopen(sys.argv[1], timeout=2).status != 200)
except Exception:
    sys.exit(1)'
  for _ in $(seq 1 240); do
    kill -0 "$server_pid" 2>/dev/null || die "gatehouse exited at start; see $server_log"
    "$vpy" -c "$ready_probe" "http://127.0.0.1:$port/readyz" && break
    sleep 0.25
  done
  "$vpy" -c "$ready_probe" "http://127.0.0.1:$port/readyz" \
    || die "gatehouse was not ready within 60 s; see $server_log"
  say "gatehouse is ready at $base_url"
}
