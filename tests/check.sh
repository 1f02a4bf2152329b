# Sourced by the shell tests: check "what" command... counts a check and
# reports it when the command fails; check_summary prints the counts and
# fails the test if any check failed (call it last).
fails=0 checks=0
check() {
    local what=$1; shift
    checks=$((checks + 1))
    if ! "$@"; then echo "FAIL: $what" >&2; fails=$((fails + 1)); fi
}
contains() { grep -q -- "$2" "$1"; }  # contains FILE PATTERN
check_summary() {
    echo "$((checks - fails)) passed, $fails failed"
    [ "$fails" -eq 0 ]
}
