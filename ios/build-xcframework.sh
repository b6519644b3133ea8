#!/usr/bin/env bash
# Builds FarmLiveFFI.xcframework for iOS devices and simulators, on a Mac with
# Xcode and rustup:
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
#   ios/build-xcframework.sh
# Output: ios/build/FarmLiveFFI.xcframework (static libfarmlive_ffi.a + the
# generated header and module map) and the generated Swift in
# ios/.build-generated/FarmLiveFFI. In Package.swift, replace the
# system-library target with
#   .binaryTarget(name: "farmlive_ffiFFI", path: "build/FarmLiveFFI.xcframework")
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
for t in "${targets[@]}"; do
    cargo build --release -p farmlive-ffi --lib --target "$t"
done

target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"

# Bindings (Swift + header) from a host build: uniffi reads the metadata from
# the library's symbols, which the release profile strips.
cargo xtask bindings

work="$here/build/xcframework-work"
rm -rf "$work" "$here/build/FarmLiveFFI.xcframework"
mkdir -p "$work/headers" "$work/sim"
cp "$here/.build-generated/include/farmlive_ffiFFI.h" "$work/headers/"
cat > "$work/headers/module.modulemap" <<'MAP'
module farmlive_ffiFFI {
    header "farmlive_ffiFFI.h"
    export *
}
MAP

# One library for both simulator architectures.
lipo -create \
    "$target_dir/aarch64-apple-ios-sim/release/libfarmlive_ffi.a" \
    "$target_dir/x86_64-apple-ios/release/libfarmlive_ffi.a" \
    -output "$work/sim/libfarmlive_ffi.a"

xcodebuild -create-xcframework \
    -library "$target_dir/aarch64-apple-ios/release/libfarmlive_ffi.a" -headers "$work/headers" \
    -library "$work/sim/libfarmlive_ffi.a" -headers "$work/headers" \
    -output "$here/build/FarmLiveFFI.xcframework"

rm -rf "$work"
echo "built $here/build/FarmLiveFFI.xcframework"
