#!/usr/bin/env bash
# Re-fetch the YASGUI query page that `cyberkg serve` ships (vendored, so the page works offline):
# installs the npm package into a temporary folder and copies its built JS and CSS, a LICENSE and a
# list of the bundled packages with their licenses into src/cyberkg/views/static/yasgui/.
#
#   tools/vendor-yasgui.sh            # the pinned version below
#   YASGUI_VERSION=4.6.3 tools/vendor-yasgui.sh
#
# Needs node and npm. The npm package ships no LICENSE file; its package.json says MIT, so the
# LICENSE written here is the MIT text with the package's author and contributors.
set -euo pipefail
PACKAGE="${YASGUI_PACKAGE:-@zazuko/yasgui}"
VERSION="${YASGUI_VERSION:-4.6.2}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/cyberkg/views/static/yasgui"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --silent "$PACKAGE@$VERSION"
BUILD="node_modules/$PACKAGE/build"
test -s "$BUILD/yasgui.min.js" && test -s "$BUILD/yasgui.min.css"

STAGE="$WORK/stage"
mkdir -p "$STAGE"
cp "$BUILD/yasgui.min.js" "$BUILD/yasgui.min.css" "$STAGE/"
# The bundle must not load anything at run time: no CSS url() and no script or stylesheet
# fetched from a CDN.
if grep -q 'url(' "$STAGE/yasgui.min.css"; then
  echo "vendor-yasgui: yasgui.min.css references url(...) resources; check they are inlined" >&2
  exit 1
fi
PACKAGE="$PACKAGE" VERSION="$VERSION" node - "$STAGE" <<'JS'
const fs = require("fs");
const path = require("path");
const stage = process.argv[2];
const pkg = JSON.parse(fs.readFileSync(`node_modules/${process.env.PACKAGE}/package.json`, "utf8"));
const holders = [pkg.author, ...(pkg.contributors || [])]
  .map((p) => (typeof p === "string" ? p : p && p.name)).filter(Boolean)
  .map((p) => p.replace(/\s*<[^>]*>/, ""));
const mit = `The MIT License (MIT)

Copyright (c) ${holders.join(", ")}

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`;
if (pkg.license !== "MIT") throw new Error(`${pkg.name} is licensed ${pkg.license}, not MIT: update LICENSE by hand`);
fs.writeFileSync(path.join(stage, "LICENSE"), `${pkg.name} ${pkg.version} (${pkg.repository && pkg.repository.url || pkg.homepage})\n\n${mit}`);
// Every package npm installed (the bundle includes its runtime dependencies), with its license.
const rows = [];
const walk = (dir) => {
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const full = path.join(dir, name);
    if (name.startsWith("@")) { walk(full); continue; }
    const pj = path.join(full, "package.json");
    if (!fs.existsSync(pj)) continue;
    const p = JSON.parse(fs.readFileSync(pj, "utf8"));
    rows.push(`${p.name}@${p.version}\t${typeof p.license === "string" ? p.license : JSON.stringify(p.license || p.licenses || "UNKNOWN")}`);
  }
};
walk("node_modules");
fs.writeFileSync(path.join(stage, "THIRD-PARTY.txt"),
  `The dependency tree npm installed with ${pkg.name}@${pkg.version}, and each package's license. The\n` +
  `prebuilt bundle (yasgui.min.js) includes the runtime dependencies among them, at the versions its\n` +
  `own build pinned.\n\n` +
  rows.sort().join("\n") + "\n");
fs.writeFileSync(path.join(stage, "VERSION"), `${pkg.name}@${pkg.version}\n`);
JS
mkdir -p "$DEST"
rm -f "$DEST"/*
cp "$STAGE"/* "$DEST/"
du -b "$DEST"/* | awk '{printf "%10d bytes  %s\n", $1, $2}'
