#!/usr/bin/env bash
# Renames AutoDiff's diagnostic IDs from AD00dd to ADIFF0dd (AD0004 -> ADIFF004, AD0099 -> ADIFF099).
#
# The short prefix clashed with the IDs Roslyn itself reports for analyzers (an analyzer that threw), which made
# every message ambiguous. Run from anywhere inside the repository, or pass its root:
#
#   bash tools/rename-diagnostic-ids.sh [root]
#
# Idempotent: a second run changes nothing. It only touches what git tracks or would track (no bin/, obj/), and it
# only rewrites an ID standing on its own: AD00 and exactly two digits, with no letter or digit right before or
# after it (so "AD0004", "AD0004.md", "AD0004_reported_at" and "[AD0004]" change; hashes and longer numbers such
# as "3FAD0012B" or "AD00123" do not). Rewritten: *.cs, *.md, *.txt (snapshots included), *.csproj, *.props,
# *.targets, *.editorconfig, *.globalconfig, *.json, *.sh, *.yml and .ci/run. Files whose names hold an ID
# (docs/diagnostics/AD0004.md) are renamed with git mv.
set -euo pipefail

root="${1:-$(git rev-parse --show-toplevel)}"
cd "$root"

pattern='(?<![A-Za-z0-9])AD00([0-9]{2})(?![A-Za-z0-9])'
self='tools/rename-diagnostic-ids.sh'

# 1. Files named after an ID.
renamed=0
while IFS= read -r -d '' path; do
  [ -e "$path" ] || continue
  dir=$(dirname "$path")
  base=$(basename "$path")
  new_base=$(printf '%s' "$base" | perl -pe "s/$pattern/ADIFF0\$1/g")
  [ "$new_base" = "$base" ] && continue
  target="$dir/$new_base"
  if [ -e "$target" ]; then
    if cmp -s "$path" "$target"; then
      git rm -q -f -- "$path" 2>/dev/null || rm -f -- "$path"
    else
      echo "warning: both $path and $target exist and differ; merge them by hand" >&2
      continue
    fi
  elif git ls-files --error-unmatch -- "$path" >/dev/null 2>&1; then
    git mv -- "$path" "$target"
  else
    mv -- "$path" "$target"
  fi
  renamed=$((renamed + 1))
done < <(git ls-files -z --cached --others --exclude-standard | grep -zP "$pattern" || true)

# 2. Contents.
rewritten=0
while IFS= read -r -d '' path; do
  [ "$path" = "$self" ] && continue
  [ -f "$path" ] || continue
  case "$path" in
    *.cs|*.md|*.txt|*.csproj|*.props|*.targets|*.editorconfig|.editorconfig|*.globalconfig|*.json|*.sh|*.yml|*.yaml|.ci/run) ;;
    *) continue ;;
  esac
  if grep -qP "$pattern" -- "$path"; then
    perl -pi -e "s/$pattern/ADIFF0\$1/g" -- "$path"
    rewritten=$((rewritten + 1))
  fi
done < <(git ls-files -z --cached --others --exclude-standard)

echo "rename-diagnostic-ids: $renamed file(s) renamed, $rewritten file(s) rewritten"
