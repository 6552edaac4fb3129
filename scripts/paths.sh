# The paths the project's shell scripts share, sourced by them (bash):
#
#   . "$(dirname "$0")/../scripts/paths.sh"
#
# It sets:
# - root: the workspace root;
# - target: Cargo's target directory, absolute ($CARGO_TARGET_DIR, relative to the root, or
#   target/);
# - specs: the upstream OBIE specs directory, found as the tests find it: $OBIE_SPECS_DIR, else
#   specs/.cache (where `cargo xtask specs fetch` puts them), else ../shared/specs/obie beside
#   the workspace.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
if [ -n "${OBIE_SPECS_DIR:-}" ]; then
  specs="$OBIE_SPECS_DIR"
elif [ -d "$root/specs/.cache" ]; then
  specs="$root/specs/.cache"
else
  specs="$(cd "$root/.." && pwd)/shared/specs/obie"
fi
