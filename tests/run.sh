#!/usr/bin/env bash
# Seip's whole check: formatting, lints, proto lint, and the test suite on SQLite (the
# embedded default) and on PostgreSQL. Run from anywhere: `bash tests/run.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo deny"
# Licences, duplicate versions and sources (deny.toml). Advisories need the RustSec database
# from GitHub: `cargo deny check advisories` where the network allows.
cargo deny check licenses bans sources

echo "== buf lint"
npx -y @bufbuild/buf@1.75.0 lint

echo "== buf breaking"
# Clients are kept working from API_STABLE_SINCE on (the protos before it changed freely while
# the first services took shape): every later commit that changed proto/ is checked against
# its parent, so a break fails wherever it sits in the history, not only at HEAD. Each side
# is laid out from git, so a dirty checkout changes nothing.
API_STABLE_SINCE=d9e58b7e02451c44a90aef89e74b39cc75ab0cdd
protos="$(mktemp -d)"
trap 'rm -rf "$protos"' EXIT
if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
  git fetch -q --unshallow 2>/dev/null || true
fi
if git rev-parse -q --verify "$API_STABLE_SINCE^{commit}" >/dev/null; then
  range="$API_STABLE_SINCE..HEAD"
else
  # A shallow clone that cannot be deepened: check the commits it has.
  echo "buf breaking: $API_STABLE_SINCE is not in this clone; checking the commits present"
  range="HEAD"
fi
for c in $(git rev-list --reverse "$range" -- proto buf.yaml); do
  parent="$(git rev-parse -q --verify "$c^" || true)"
  [ -n "$parent" ] || continue
  for rev in "$c" "$parent"; do
    mkdir -p "$protos/$rev" && git archive "$rev" buf.yaml proto | tar -x -C "$protos/$rev"
  done
  npx -y @bufbuild/buf@1.75.0 breaking "$protos/$c" --against "$protos/$parent" \
    || { echo "proto/ of $c breaks clients of $parent"; exit 1; }
done
# What is not committed yet, against HEAD.
if ! git diff --quiet HEAD -- proto buf.yaml; then
  mkdir -p "$protos/HEAD" && git archive HEAD buf.yaml proto | tar -x -C "$protos/HEAD"
  npx -y @bufbuild/buf@1.75.0 breaking . --against "$protos/HEAD"
fi

echo "== tests on SQLite"
# PostgreSQL-only tests skip in this pass alone; in CI they fail wherever else they lack a server.
env -u DATABASE_URL SEIP_TEST_BACKEND=sqlite cargo test --workspace

echo "== tests on PostgreSQL"
PG_URL="${SEIP_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
DATABASE_URL="$PG_URL" cargo test -p seip-e2e -p seip-collection
