#!/usr/bin/env bash
# Regenerates src/lightboard/proto/*_pb2.py from the .proto sources beside them.
#
# Uses protoc 3.21 (Debian bookworm's `protobuf-compiler`, `apt-get install protobuf-compiler`): its
# builder-style output runs on every protobuf runtime from 3.20 to the newest, and carries no
# runtime-version check. A newer protoc would raise the minimum runtime, so the script refuses one.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(protoc --version | awk '{print $2}')
case "$version" in
  3.20.*|3.21.*) ;;
  *) echo "protoc $version would raise the minimum protobuf runtime; use protoc 3.20 or 3.21" >&2; exit 1 ;;
esac
protoc -I src --python_out=src src/lightboard/proto/*.proto
echo "regenerated $(ls src/lightboard/proto/*_pb2.py | wc -l) modules with protoc $version"
