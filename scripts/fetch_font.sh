#!/usr/bin/env bash
# Fetch the Vazirmatn web font from the npm registry (by package name, pinned version)
# into var/vendor/, and write var/vendor/fonts.css. Without npm or a network the store
# falls back to system fonts, so this never fails the set-up.
set -u
VERSION=33.0.3
dest=${METAVAST_VAR_DIR:-var}/vendor
[ -f "$dest/fonts/Vazirmatn-Regular.woff2" ] && [ -f "$dest/fonts.css" ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -qq npm >/dev/null 2>&1 || true
  fi
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "fetch_font: npm is not available; the store will use system fonts." >&2
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && npm pack --silent "vazirmatn@$VERSION" >/dev/null 2>&1); then
  echo "fetch_font: could not fetch vazirmatn@$VERSION; the store will use system fonts." >&2
  exit 0
fi
mkdir -p "$dest/fonts"
tar -xzf "$tmp/vazirmatn-$VERSION.tgz" -C "$tmp"
for weight in Regular Bold; do
  cp "$tmp/package/fonts/webfonts/Vazirmatn-$weight.woff2" "$dest/fonts/"
  cp "$tmp/package/fonts/ttf/Vazirmatn-$weight.ttf" "$dest/fonts/"
done
cp "$tmp/package/OFL.txt" "$dest/fonts/" 2>/dev/null || true
cat > "$dest/fonts.css" <<CSS
/* Vazirmatn $VERSION (SIL Open Font License), fetched at set-up. */
@font-face { font-family: Vazirmatn; font-style: normal; font-weight: 400; font-display: swap;
  src: url("fonts/Vazirmatn-Regular.woff2") format("woff2"); }
@font-face { font-family: Vazirmatn; font-style: normal; font-weight: 700 900; font-display: swap;
  src: url("fonts/Vazirmatn-Bold.woff2") format("woff2"); }
CSS
echo "fetch_font: Vazirmatn $VERSION installed in $dest"
