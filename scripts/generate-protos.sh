#!/usr/bin/env bash
# Regenerates Sources/ConcordWire/Generated from Protos/ (never run by CI or the build: the output is committed).
# Needs protoc (Debian: protobuf-compiler; or PROTOC="python3 -m grpc_tools.protoc" from pip's grpcio-tools) and the two plugins, built from the same package versions the
# project depends on; PLUGINS names the folder holding protoc-gen-swift and protoc-gen-grpc-swift-2, e.g.
#   swift build -c release --product protoc-gen-swift        (in a package depending on swift-protobuf 1.39.0)
#   swift build -c release --product protoc-gen-grpc-swift-2 (in a package depending on grpc-swift-protobuf 2.4.1)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PLUGINS:?set PLUGINS to the folder holding protoc-gen-swift and protoc-gen-grpc-swift-2}"
out=Sources/ConcordWire/Generated
mkdir -p "$out"
# Concord's own schema, and Flower's legacy transport (vendored from the flwr wheel: Protos/flwr/NOTICE).
${PROTOC:-protoc} --proto_path=Protos \
  --plugin=protoc-gen-swift="$PLUGINS/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift="$PLUGINS/protoc-gen-grpc-swift-2" \
  --swift_opt=Visibility=Package --swift_out="$out" \
  --grpc-swift_opt=Visibility=Package,Server=true,Client=true --grpc-swift_out="$out" \
  Protos/concord/v1/federation.proto Protos/flwr/proto/transport.proto
echo "generated into $out"
