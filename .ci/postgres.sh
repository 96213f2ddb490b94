# Sourced by .ci/run: installs Debian's PostgreSQL if missing, starts a throwaway server on
# 127.0.0.1 and exports STEWARDSIM_TEST_POSTGRES_URL for the storage tests. Where no server can
# be started, it says why and the PostgreSQL test reports itself skipped.
start_test_postgres() {
    local bin port data
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        echo "postgres: installing Debian's postgresql" >&2
        if [ "$(id -u)" = 0 ]; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1 \
                || { apt-get update -q >/dev/null 2>&1 \
                     && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1; } \
                || { echo "postgres: apt-get install failed; PostgreSQL test will skip" >&2; return 0; }
        else
            echo "postgres: not installed and not root; PostgreSQL test will skip" >&2
            return 0
        fi
    fi
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    data=$(mktemp -d /tmp/stewardsim-pg.XXXXXX)
    port=$(python3.11 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local run_as=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$data"
        run_as=(runuser -u postgres --)
    fi
    if ! "${run_as[@]}" "$bin/initdb" -D "$data/db" -U stewardsim --auth=trust >/dev/null 2>&1 \
        || ! "${run_as[@]}" "$bin/pg_ctl" -D "$data/db" -l "$data/log" -w \
            -o "-h 127.0.0.1 -p $port -k $data" start >/dev/null 2>&1; then
        echo "postgres: could not start a server (log: $data/log); PostgreSQL test will skip" >&2
        return 0
    fi
    "${run_as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U stewardsim sweeps
    export STEWARDSIM_TEST_POSTGRES_URL="postgresql+psycopg://stewardsim@127.0.0.1:$port/sweeps"
    export STEWARDSIM_TEST_POSTGRES_STOP="${run_as[*]} $bin/pg_ctl -D $data/db -m fast stop"
    echo "postgres: test server on 127.0.0.1:$port" >&2
}
