#!/usr/bin/env bash
# PEM files that the icp CLI and chorus both read: icp's keys load in chorus with the principal icp
# gives them, and ours import into icp with the principal we give them. Env: CHORUS, ICP.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp DO_NOT_TRACK=1 CHORUS_HOME=$tmp/chorus
fail() { echo "FAIL: $*" >&2; exit 1; }
icp() { "$ICP" "$@" 2>/dev/null; }

# icp → chorus (icp makes secp256k1 keys, PKCS#8).
icp identity new from-icp --storage plaintext -q >/dev/null
icp identity export from-icp >"$tmp/icp.pem"
icp_principal=$(icp identity principal --identity from-icp)
"$CHORUS" identity import from-icp "$tmp/icp.pem" >/dev/null
ours=$("$CHORUS" --identity from-icp identity principal)
[ "$ours" = "$icp_principal" ] || fail "icp key: icp says $icp_principal, chorus $ours"

# chorus → icp, both schemes.
for scheme in ed25519 secp256k1; do
  "$CHORUS" identity new "mine-$scheme" --type "$scheme" >/dev/null
  "$CHORUS" identity export "mine-$scheme" >"$tmp/$scheme.pem"
  ours=$("$CHORUS" --identity "mine-$scheme" identity principal)
  icp identity import "mine-$scheme" --from-pem "$tmp/$scheme.pem" --storage plaintext >/dev/null
  theirs=$(icp identity principal --identity "mine-$scheme")
  [ "$ours" = "$theirs" ] || fail "$scheme: chorus says $ours, icp $theirs"
done
echo "ok"
