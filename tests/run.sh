#!/usr/bin/env bash
# Seip's whole check: formatting, lints, proto lint, and the test suite on SQLite (the
# embedded default) and on PostgreSQL. Run from anywhere: `bash tests/run.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== buf lint"
npx -y @bufbuild/buf@1.75.0 lint

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
