#!/usr/bin/env bash
# Fuzzes a running server's admin API against the OpenAPI document it
# serves: tests/fuzz/admin.sh ADMIN_BASE_URL TOKEN
# (e.g. http://127.0.0.1:9090 and the server's --admin-token).
#
# 1. probes.py checks what schemathesis cannot: /metrics (parsed with
#    prometheus-client), /_switchboard/live (an endless event stream: its
#    first two events against the Snapshot schema), and the disconnect
#    body's rules at their edges (codes 1001..=2999, a reason of 123 bytes
#    but fewer characters), which generated data does not reach.
# 2. schemathesis runs every other operation, the destructive ones
#    included, with valid and invalid inputs, and fails on a 5xx, a status,
#    content type, header or body the document does not declare, and a
#    guarded route that answers without the token.
#
# Environment: ADMIN_FUZZ_EXAMPLES (cases per operation, default 30),
# ADMIN_FUZZ_SECONDS (bound on the schemathesis run, default 300),
# ADMIN_FUZZ_SEED (default random; printed, to replay a failure),
# ADMIN_FUZZ_SCHEMA (a file or URL of the document to test against instead
# of the one the server serves, e.g. host/src/server/admin/openapi.json
# against a server built before it).
# Needs tests/.venv: run scripts/setup. Exits nonzero on any failure.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 ADMIN_BASE_URL TOKEN" >&2
    exit 2
fi
base=${1%/}
token=$2
here=$(cd "$(dirname "$0")" && pwd)
venv=$here/../.venv
if [ ! -x "$venv/bin/schemathesis" ]; then
    echo "$0: $venv/bin/schemathesis is missing: run scripts/setup (or tests/fuzz/setup-venv)" >&2
    exit 2
fi
examples=${ADMIN_FUZZ_EXAMPLES:-30}
seconds=${ADMIN_FUZZ_SECONDS:-300}
seed=${ADMIN_FUZZ_SEED:-$(( (RANDOM << 15) | RANDOM ))}
schema=${ADMIN_FUZZ_SCHEMA:-$base/_switchboard/openapi.json}
case $schema in
    http://* | https://*) ;;
    *) schema=$(cd "$(dirname "$schema")" && pwd)/$(basename "$schema") ;;
esac
export ADMIN_FUZZ_SCHEMA=$schema

echo "== admin fuzz of $base: $("$venv/bin/schemathesis" --version), $examples examples per operation," \
     "at most ${seconds}s, seed $seed"

echo "== 1/3 probes: /metrics, /_switchboard/live, the close code and reason rules"
probes=0
"$venv/bin/python" "$here/probes.py" "$base" "$token" || probes=$?

# Run from a scratch folder: nothing lands in the work tree. --max-time is
# not the bound, since schemathesis 4 keeps fuzzing until it is spent;
# `timeout` is.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
deadline=$(( SECONDS + seconds ))
checks=not_a_server_error,status_code_conformance,content_type_conformance
checks=$checks,response_headers_conformance,response_schema_conformance
checks=$checks,negative_data_rejection,ignored_auth
fuzz=0
schemathesis() {
    local left=$(( deadline - SECONDS ))
    if [ "$left" -lt 1 ]; then
        return 124
    fi
    (
        cd "$scratch"
        exec timeout --kill-after=10 "$left" "$venv/bin/schemathesis" run \
            "$schema" \
            --url "$base" \
            --header "Authorization: Bearer $token" \
            --checks "$checks" \
            --exclude-path /_switchboard/live \
            --max-examples "$examples" \
            --seed "$seed" \
            --workers 1 \
            --request-timeout 10 \
            --generation-database none \
            --no-color \
            "$@"
    )
}
# The stateful phase first, while the server still has the users and the
# dead jobs it was started with: it follows the document's links (list
# users -> a user -> disconnect one of their connections; list dead ->
# requeue or drop) and so checks the 200 bodies of the routes that take an
# ID. The other phases then fuzz them with made-up IDs, and disconnect and
# drop what is left.
echo "== 2/3 schemathesis, stateful, on $schema"
schemathesis --phases stateful || fuzz=$?
echo "== 3/3 schemathesis, examples, coverage and fuzzing"
schemathesis --phases examples,coverage,fuzzing || { [ "$fuzz" != 0 ] || fuzz=$?; }

if [ "$fuzz" = 124 ] || [ "$fuzz" = 137 ]; then
    echo "== schemathesis ran out of its ${seconds}s (ADMIN_FUZZ_SECONDS)" >&2
fi
if [ "$probes" != 0 ] || [ "$fuzz" != 0 ]; then
    echo "== admin fuzz FAILED (probes.py exit $probes, schemathesis exit $fuzz; seed $seed)" >&2
    exit 1
fi
echo "== admin fuzz passed"
