#!/usr/bin/env bash
# The Vazirmatn web font, fetched from the npm registry (by package name, pinned version)
# into var/vendor/, cut down to what the shop's pages show, and var/vendor/fonts.css.
#
# Why subsets: the full woff2 files are 50 KB a weight, three quarters of a first visit on a
# phone. Each weight (400 and 700 only) is cut into two files with fontTools (pyftsubset,
# pinned in pyproject.toml): the Persian letters, Persian digits and the punctuation Persian
# text uses (~12 KB), and basic Latin (~8 KB). fonts.css gives each its unicode-range, so a
# browser fetches the Latin file only for a page that shows Latin letters or digits. The
# full TTFs stay for the invoice PDFs (WeasyPrint embeds only the glyphs it uses).
#
# Without npm or a network the store falls back to system fonts, so this never fails the
# set-up; once the files are here it does nothing (`make run` works offline).
set -u
VERSION=33.0.3
dest=${METAVAST_VAR_DIR:-var}/vendor
fonts=$dest/fonts
python=${FONT_PYTHON:-.venv/bin/python}
[ -x "$python" ] || python=python3

# Persian: letters (with ك ي ة), marks, tatweel, Persian digits, ٪ ٫ ٬ ، ؛ ؟, ZWNJ and
# direction marks, « » … – — • ‹ › × ©, and the ASCII punctuation Persian text uses
# (| in «ورود | ثبت‌نام», parentheses, colon, full stop, slash, hyphen).
PERSIAN="U+0020-0022,U+0027-0029,U+002B-002F,U+003A,U+007C,U+00A0,U+00A9,U+00AB,U+00BB,U+00D7"
PERSIAN="$PERSIAN,U+060C,U+061B,U+061F,U+0621-063A,U+0640-0652,U+0654,U+0670,U+066A-066C"
PERSIAN="$PERSIAN,U+067E,U+0686,U+0698,U+06A9,U+06AF,U+06C0,U+06CC,U+06F0-06F9"
PERSIAN="$PERSIAN,U+200C-200F,U+2013,U+2014,U+2022,U+2026,U+2039,U+203A"
LATIN="U+0020-007E,U+00A0,U+2018,U+2019,U+201C,U+201D"

subsets_present() {
  for weight in Regular Bold; do
    for part in fa latin; do
      [ -s "$fonts/Vazirmatn-$weight-$part.woff2" ] || return 1
    done
  done
  grep -q "Latin faces first" "$dest/fonts.css" 2>/dev/null
}
subsets_present && exit 0

if [ ! -f "$fonts/Vazirmatn-Regular.ttf" ] || [ ! -f "$fonts/Vazirmatn-Bold.ttf" ]; then
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
  mkdir -p "$fonts"
  tar -xzf "$tmp/vazirmatn-$VERSION.tgz" -C "$tmp"
  for weight in Regular Bold; do
    cp "$tmp/package/fonts/ttf/Vazirmatn-$weight.ttf" "$fonts/"
  done
  cp "$tmp/package/OFL.txt" "$fonts/" 2>/dev/null || true
fi

for weight in Regular Bold; do
  for part in fa latin; do
    if [ "$part" = fa ]; then unicodes=$PERSIAN; else unicodes=$LATIN; fi
    # Hinting is for old Windows rasterisers; desubroutinised outlines compress better.
    if ! "$python" -m fontTools.subset "$fonts/Vazirmatn-$weight.ttf" --unicodes="$unicodes" \
      --flavor=woff2 --no-hinting --desubroutinize \
      --output-file="$fonts/Vazirmatn-$weight-$part.woff2"; then
      echo "fetch_font: subsetting failed (is fonttools with brotli installed?); system fonts." >&2
      rm -f "$dest/fonts.css"
      exit 0
    fi
  done
done

face() {  # family weight file unicode-range
  printf '@font-face { font-family: Vazirmatn; font-style: normal; font-weight: %s; font-display: swap;\n  src: url("fonts/%s") format("woff2"); unicode-range: %s; }\n' "$1" "$2" "$3"
}
{
  echo "/* Vazirmatn $VERSION (SIL Open Font License), subset at set-up by scripts/fetch_font.sh."
  echo "   Latin faces first: where ranges overlap the last face is tried first, so the Persian"
  echo "   files, which every page needs, serve spaces and punctuation. */"
  # Where ranges overlap (space, punctuation) the face defined last is tried first: the
  # Persian files, which every page needs, so a page without Latin text never loads Latin.
  face 400 Vazirmatn-Regular-latin.woff2 "$LATIN"
  face "700 900" Vazirmatn-Bold-latin.woff2 "$LATIN"
  face 400 Vazirmatn-Regular-fa.woff2 "$PERSIAN"
  face "700 900" Vazirmatn-Bold-fa.woff2 "$PERSIAN"
} > "$dest/fonts.css.tmp" && mv "$dest/fonts.css.tmp" "$dest/fonts.css"
# The full woff2 files of an older set-up are no longer linked from anywhere.
rm -f "$fonts/Vazirmatn-Regular.woff2" "$fonts/Vazirmatn-Bold.woff2"
echo "fetch_font: Vazirmatn $VERSION subset into $fonts ($(du -ch "$fonts"/*-fa.woff2 "$fonts"/*-latin.woff2 | tail -1 | cut -f1) in all)"
