#!/usr/bin/env bash
# Re-fetch vis-timeline, the library `cyberkg viz --timeline` inlines into its page (vendored, so the
# page works offline): installs the npm package into a temporary folder and copies its standalone
# UMD build, its CSS, its licence files and a VERSION into src/cyberkg/views/static/vis-timeline/.
#
#   tools/vendor-vis-timeline.sh                  # the pinned version below
#   VIS_TIMELINE_VERSION=7.7.4 tools/vendor-vis-timeline.sh
#
# Needs node and npm. vis-timeline is dual-licensed Apache-2.0 OR MIT; both texts are kept.
set -euo pipefail
VERSION="${VIS_TIMELINE_VERSION:-7.7.3}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/cyberkg/views/static/vis-timeline"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --silent "vis-timeline@$VERSION"
PKG="node_modules/vis-timeline"
JS="$PKG/standalone/umd/vis-timeline-graph2d.min.js"
CSS="$PKG/styles/vis-timeline-graph2d.min.css"
test -s "$JS" && test -s "$CSS"
STAGE="$WORK/stage"
mkdir -p "$STAGE"
# The page must not load anything: no url() in the CSS, no source map, no closing script tag.
if grep -q 'url(' "$CSS"; then echo "vendor-vis-timeline: the CSS references url(...)" >&2; exit 1; fi
if grep -qi '</script' "$JS"; then echo "vendor-vis-timeline: the JS holds a closing script tag" >&2; exit 1; fi
sed -e 's@//# sourceMappingURL=.*$@@' "$JS" > "$STAGE/vis-timeline-graph2d.min.js"
sed -e 's@/\*# sourceMappingURL=.*\*/@@' "$CSS" > "$STAGE/vis-timeline-graph2d.min.css"
cp "$PKG/LICENSE.md" "$PKG/LICENSE.MIT.txt" "$PKG/LICENSE.Apache-2.0.txt" "$STAGE/"
node -e 'const p=require("./node_modules/vis-timeline/package.json"); console.log(`${p.name}@${p.version} (${p.license}) ${p.repository && p.repository.url || p.homepage}`)' > "$STAGE/VERSION"
mkdir -p "$DEST"
rm -f "$DEST"/*
cp "$STAGE"/* "$DEST/"
du -b "$DEST"/* | awk '{printf "%10d bytes  %s\n", $1, $2}'
