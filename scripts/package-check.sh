#!/usr/bin/env bash
# Checks the packaging configuration offline: electron-builder packs `--dir` for Linux against a
# stub Electron folder (the real Electron binary cannot be downloaded everywhere), then we verify
# the asar, the unpacked native module and the file filters. The output cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -f out/main/index.js ] || { echo "package-check: run 'npm run build' first" >&2; exit 1; }

stub="$(mktemp -d)"
out="$(mktemp -d)"
trap 'rm -rf "$stub" "$out"' EXIT
# electron-builder copies this folder as the Electron distribution and renames `electron`.
# The stub carries Electron's fuse wire (sentinel, version 1, 9 fuses at Electron's defaults) so
# that flipping the fuses at pack time is exercised and can be read back below.
{
  printf '#!/bin/sh\necho "stub electron"\nexit 0\n'
  printf 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX\001\011101100011'
} > "$stub/electron"
chmod +x "$stub/electron"
touch "$stub/LICENSE" "$stub/LICENSES.chromium.html"
echo "45.4.1" > "$stub/version"
mkdir -p "$stub/resources"

npx electron-builder --linux dir --publish never \
  -c.electronDist="$stub" -c.electronVersion=45.4.1 -c.directories.output="$out" >"$out/builder.log" 2>&1 \
  || { cat "$out/builder.log" >&2; exit 1; }

app="$out/linux-unpacked"
asar="$app/resources/app.asar"
[ -f "$asar" ] || { echo "package-check: no app.asar" >&2; exit 1; }
native=$(find "$app/resources/app.asar.unpacked" -name 'linux-x64*.node' -path '*better-sqlite3*' | head -1)
[ -n "$native" ] || { echo "package-check: better-sqlite3's .node file is not unpacked from the asar" >&2; exit 1; }

listing="$(npx asar list "$asar" 2>/dev/null || node -e "
  const { listPackage } = require('@electron/asar'); console.log(listPackage(process.argv[1]).join('\n'))" "$asar")"
for required in /out/main/index.js /out/preload/index.cjs /out/renderer/index.html /package.json; do
  grep -qx "$required" <<<"$listing" || { echo "package-check: $required missing from the asar" >&2; exit 1; }
done
if grep -q '^/out/server/' <<<"$listing"; then
  echo "package-check: the headless server must not ship in the desktop asar" >&2; exit 1
fi
[ -d "$app/resources/resources" ] || { echo "package-check: resources/ not copied" >&2; exit 1; }
# The tray and window icons are read by path at run time (src/main/resource-paths.ts), so they
# must sit beside the asar: every health colour, plain and macOS template, 1x and @2x.
for health in green amber red grey; do
  for name in "tray-$health" "trayTemplate-$health"; do
    for scale in "" "@2x"; do
      icon="$app/resources/resources/tray/$name$scale.png"
      [ -s "$icon" ] || { echo "package-check: ${icon#"$app"/} missing from the packed app" >&2; exit 1; }
      head -c 8 "$icon" | od -An -tx1 | tr -d ' \n' | grep -qx '89504e470d0a1a0a' \
        || { echo "package-check: ${icon#"$app"/} is not a PNG" >&2; exit 1; }
    done
  done
done
[ -s "$app/resources/resources/icon.png" ] || { echo "package-check: resources/icon.png missing" >&2; exit 1; }
# E4: the fuses as packed (0 = off, 1 = on): RunAsNode, cookie encryption, NODE_OPTIONS,
# inspect arguments, asar integrity, only-load-from-asar.
fuses="$(node -e "
  const b = require('fs').readFileSync(process.argv[1]); const s = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
  const at = b.indexOf(s) + s.length; const n = b[at + 1];
  console.log(b.subarray(at + 2, at + 2 + n).toString('latin1'))" "$app/keypool")"
[ "${fuses:0:6}" = "010011" ] || { echo "package-check: fuses are $fuses, expected 010011…" >&2; exit 1; }

echo "package-check: ok ($(du -sh "$app" | cut -f1) unpacked; native module: ${native#"$app"/}; 16 tray icons; fuses $fuses)"
