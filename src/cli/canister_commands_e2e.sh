#!/usr/bin/env bash
# `chorus canister` and `chorus identity` run as a user runs them: the chorus binary against a
# chorus-replica process. Env: CHORUS, CHORUS_REPLICA, MOTOKO_COUNTER, CDK_COUNTER.
set -euo pipefail
tmp=$(mktemp -d)
export CHORUS_HOME=$tmp/home
replica_pid=
cleanup() { [ -n "$replica_pid" ] && kill "$replica_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect OUTPUT PATTERN: the output contains the (grep -E) pattern.
expect() { grep -Eq -- "$2" <<<"$1" || fail "expected /$2/ in: $1"; }

# No replica yet: the error says what to do.
if out=$("$CHORUS" --network http://127.0.0.1:1 canister status aaaaa-aa 2>&1); then fail "status without a replica succeeded"; fi
expect "$out" "no replica answers at http://127.0.0.1:1 .*chorus start"

"$CHORUS_REPLICA" --state-dir "$tmp/state" --port 0 --port-file "$tmp/port" --not-durable --log "$tmp/replica.log" &
replica_pid=$!
for _ in $(seq 1 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || fail "the replica did not start"
net=(--network "http://127.0.0.1:$(cat "$tmp/port")")
c() { "$CHORUS" "${net[@]}" "$@"; }

# Identities: a default is created on first use; a secp256k1 one is selected.
expect "$(c identity whoami)" "^default$"
c identity new alice --type secp256k1 >/dev/null
c identity use alice >/dev/null
expect "$(c identity list)" "alice \*"
me=$(c identity principal)

# Motoko: create, install (init args typed from the module's candid:service), call, query.
id=$(c canister create)
expect "$id" "^[a-z0-9]{5}(-[a-z0-9]{5})*-cai$"
expect "$(c canister install "$id" --wasm "$MOTOKO_COUNTER")" "Installed"
expect "$(c canister call "$id" add '(5)')" "^\(5 : nat\)$"
expect "$(c canister call "$id" inc)" "^\(6 : nat\)$"
# get is a query by the interface; --verbose shows the endpoint used.
out=$(c --verbose canister call "$id" get 2>&1)
expect "$out" "/api/v3/canister/$id/query"
expect "$out" "^\(6 : nat\)$"
expect "$(c canister call "$id" get --output json)" "^6$"
expect "$(c canister call "$id" get --output raw)" "^4449444c"
if out=$(c canister call "$id" add '("five")' 2>&1); then fail "a text argument for a nat was accepted"; fi
expect "$out" "add \(nat\)"
if out=$(c canister call "$id" nope 2>&1); then fail "an unknown method was accepted"; fi
expect "$out" "has no method 'nope'"

expect "$(c canister status "$id")" "Status: running"
expect "$(c canister status "$id")" "Controllers: $me"
expect "$(c canister info "$id")" "Module hash: 0x[0-9a-f]{64}"
# Installing again is refused, and the error says what to use instead.
if out=$(c canister install "$id" --wasm "$MOTOKO_COUNTER" 2>&1); then fail "a second install succeeded"; fi
expect "$out" "use \`chorus canister upgrade\`"

# Upgrade: Motoko EOP keeps the Wasm memory by itself, and the state survives.
expect "$(c canister upgrade "$id" --wasm "$MOTOKO_COUNTER")" "Wasm memory kept"
expect "$(c canister call "$id" get)" "^\(6 : nat\)$"

# Stop, start, top-up, logs.
expect "$(c canister stop "$id")" "Stopped"
if out=$(c canister call "$id" inc 2>&1); then fail "a stopped canister answered"; fi
expect "$out" "is not running"
expect "$(c canister start "$id")" "Started"
expect "$(c canister top-up "$id" --cycles 5000000000000)" "Topped up $id with 5000000000000 cycles"
c canister logs "$id" >/dev/null

# Delete: refused while running, with what to do; then done.
if out=$(c canister delete "$id" 2>&1); then fail "deleted a running canister"; fi
expect "$out" "chorus canister stop"
c canister stop "$id" >/dev/null
expect "$(c canister delete "$id")" "Deleted $id"
if c canister status "$id" >/dev/null 2>&1; then fail "status of a deleted canister"; fi

# The C++ example canister: a record reply printed with its field names.
cpp=$(c canister create)
c canister install "$cpp" --wasm "$CDK_COUNTER" --argument '(opt "hi")' >/dev/null
c canister call "$cpp" set_profile '(record { name = "ann"; age = 33; email = opt "a@x" })' >/dev/null
out=$(c canister call "$cpp" get_profile '("ann")')
expect "$out" 'name = "ann"'
expect "$out" 'age = 33 : nat32'
expect "$out" 'email = opt "a@x"'
expect "$(c canister call "$cpp" get_profile '("ann")' --output json)" '"age": 33'
expect "$(c canister call "$cpp" whoami)" "$me"
# The debug print of set_profile is in the log; a trap's message too.
expect "$(c canister logs "$cpp")" "^\[[0-9]+\. [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\]: set_profile ann$"
c canister call "$cpp" add '(18446744073709551615)' >/dev/null
if out=$(c canister call "$cpp" add '(1)' 2>&1); then fail "an overflow did not trap"; fi
expect "$out" "the counter would overflow"
expect "$(c canister logs "$cpp")" "the counter would overflow"
# Anonymous callers are who they say.
expect "$(c --identity anonymous canister call "$cpp" whoami)" "2vxsx-fae"
# A controller-only method refuses another identity, and the error names it.
c identity new bob >/dev/null
if out=$(c --identity bob canister status "$cpp" 2>&1); then fail "a non-controller read the status"; fi
expect "$out" "controller"
# A module above 1.9 MiB goes up in chunks; without a terminal, one line says so.
node -e '
  const fs = require("fs");
  const wasm = fs.readFileSync(process.argv[1]);
  const name = Buffer.from("padding"), body = Buffer.concat([Buffer.from([name.length]), name, Buffer.alloc(1900000, 0xab)]);
  const leb = []; let n = body.length; do { let b = n & 0x7f; n >>= 7; leb.push(n ? b | 0x80 : b); } while (n);
  fs.writeFileSync(process.argv[2], Buffer.concat([wasm, Buffer.from([0, ...leb]), body]));
' "$MOTOKO_COUNTER" "$tmp/big.wasm"
big=$(c canister create)
out=$(c canister install "$big" --wasm "$tmp/big.wasm" 2>&1 </dev/null)
expect "$out" "Uploaded 2\.[0-9] MiB in 3 chunks"
expect "$(c canister call "$big" inc)" "^\(1 : nat\)$"
echo "ok"
