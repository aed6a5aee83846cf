#!/usr/bin/env bash
# Installs the pinned object-store test servers into .storage-servers/bin (git-ignored):
#   Versity Gateway (S3, Apache-2.0) and fake-gcs-server (GCS, BSD-2-Clause), built by `go install`
#   from the Go module proxy. test:storage starts them on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSITYGW_VERSION=v1.8.0
FAKE_GCS_VERSION=v1.56.1

export GOBIN="$PWD/.storage-servers/bin"
# -s -w: no symbol table / DWARF (stack traces still work): 111 → 79 MB of binaries, a little less link time.
export GOFLAGS="${GOFLAGS:-} -trimpath '-ldflags=-s -w'"
export CGO_ENABLED=0
mkdir -p "$GOBIN"

command -v go >/dev/null || { echo "setup:storage: Go toolchain not found (needed to build the test servers)" >&2; exit 1; }

build() { # module version binary
  local stamp="$GOBIN/.$3.version"
  if [[ -x "$GOBIN/$3" && "$(cat "$stamp" 2>/dev/null)" == "$2" ]]; then
    echo "setup:storage: $3 $2 already installed"; return 0
  fi
  local start=$SECONDS
  go install "$1@$2"
  echo "$2" > "$stamp"
  echo "setup:storage: built $3 $2 in $((SECONDS - start)) s"
}

# Both builds in parallel: they are independent and mostly I/O + single-package compile waits.
build github.com/versity/versitygw/cmd/versitygw "$VERSITYGW_VERSION" versitygw &
a=$!
build github.com/fsouza/fake-gcs-server "$FAKE_GCS_VERSION" fake-gcs-server &
b=$!
wait $a; wait $b
"$GOBIN/versitygw" --version
"$GOBIN/fake-gcs-server" -help 2>&1 | head -1 || true
