#!/usr/bin/env bash
# Generates the SDK's bindings from the built cdylib (uniffi library mode):
#   mobile-sdk/ffi/bindgen.sh kotlin|swift|python [OUT_DIR] [--release]
# Kotlin and Swift sources go to OUT_DIR (default target/bindings/LANG);
# Python goes to OUT_DIR/friskliv_bindings/ as a package next to the library.
set -euo pipefail
cd "$(dirname "$0")/../.."
language=${1:?usage: bindgen.sh kotlin|swift|python [OUT_DIR] [--release]}
out=${2:-target/bindings/$language}
profile=debug
cargo_flags=()
if [[ "${3:-}" == "--release" || "${2:-}" == "--release" ]]; then
    profile=release
    cargo_flags=(--release)
    [[ "${2:-}" == "--release" ]] && out=target/bindings/$language
fi
cargo build -q "${cargo_flags[@]}" -p friskliv-sdk-ffi --lib
case "$(uname -s)" in
    Darwin) lib=target/$profile/libfriskliv_sdk_ffi.dylib ;;
    *) lib=target/$profile/libfriskliv_sdk_ffi.so ;;
esac
dest=$out
[[ "$language" == python ]] && dest=$out/friskliv_bindings
mkdir -p "$dest"
cargo run -q "${cargo_flags[@]}" -p friskliv-sdk-ffi --bin uniffi-bindgen -- \
    generate --library "$lib" --language "$language" --out-dir "$dest" --no-format
if [[ "$language" == python ]]; then
    cp "$lib" "$dest/"
    : > "$dest/__init__.py"
fi
echo "$language bindings in $dest"
