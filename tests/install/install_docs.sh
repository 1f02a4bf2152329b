#!/usr/bin/env bash
# The man pages and bash completion an install puts in place, checked
# against what hue's --help says: a page for hue and for every command of
# `hue --help`, each holding every flag its --help (and its subcommands' and
# modes') names, formatted by man without a warning; a completion that
# offers the commands, the subcommands, every long flag of each command's
# option and usage lines, and the values a help spells out.
set -u
hue=${HUE_BIN:?HUE_BIN must name the hue binary}
build=${HUE_BUILD:?HUE_BUILD must name the build folder}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../check.sh"
export LC_ALL=C MANWIDTH=200

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
check "cmake --install exits 0" test $? -eq 0
man1=$tmp/prefix/share/man/man1
completion=$tmp/prefix/share/bash-completion/completions/hue

commands=$("$hue" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
check "hue --help lists commands" test -n "$commands"
# the help texts of a command: its own, its subcommands', its modes'
helps() {
    "$hue" "$1" --help
    case $1 in
    bench) for s in gemm conv decode track train; do "$hue" bench $s --help; done ;;
    eval) for s in davis knn linear; do "$hue" eval $s --help; done ;;
    colorize) "$hue" colorize --help --image ;;
    esac
}
# every long flag a text names, anywhere in it
all_flags() { grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' | sort -u; }
# the long flags of its option lines (`  -o, --out DIR  ...`) and usage lines
option_flags() {
    awk '/^usage: / { u = 1 } /^$/ { u = 0 } u { print; next } /^ +-/ { sub(/^ +/, ""); sub(/  .*/, ""); print }' |
        grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' | sort -u
}
# the man page as man shows it, or its source where there is no man
render() {
    if command -v man >/dev/null; then man -P cat -l "$1" 2>&1; else cat "$1"; fi
}
has_word() { grep -qE -- "(^|[^a-z0-9-])$2([^a-z0-9-]|\$)" "$1"; }

# man pages
check "hue.1" test -f "$man1/hue.1"
render "$man1/hue.1" >"$tmp/hue.txt"
for cmd in $commands; do
    check "hue(1) names $cmd" has_word "$tmp/hue.txt" "$cmd"
    check "hue(1) sees also hue-$cmd(1)" contains "$tmp/hue.txt" "hue-$cmd(1)"
done
for flag in $("$hue" --help | all_flags); do
    check "hue(1) has $flag" has_word "$tmp/hue.txt" "$flag"
done
check "one page per command and hue.1" test "$(ls "$man1" | wc -l)" -eq $(($(echo "$commands" | wc -w) + 1))
for cmd in $commands; do
    page=$man1/hue-$cmd.1
    check "hue-$cmd.1 installed" test -f "$page"
    render "$page" >"$tmp/page.txt"
    check "hue-$cmd(1): NAME line with its summary" contains "$tmp/page.txt" "^ *hue-$cmd - ."
    for flag in $(helps "$cmd" | all_flags); do
        check "hue-$cmd(1) has $flag" has_word "$tmp/page.txt" "$flag"
    done
    if command -v groff >/dev/null; then
        check "hue-$cmd.1: groff warns of nothing" test -z "$(groff -man -ww -z "$page" 2>&1)"
    fi
done
check "hue-eval(1) has a section for eval knn" contains <(render "$man1/hue-eval.1") "^HUE EVAL KNN"
check "hue-colorize(1) has the --image mode" contains <(render "$man1/hue-colorize.1") "^HUE COLORIZE --IMAGE"

# bash completion: what _hue offers for the words so far (the last one is
# being completed)
check "completion installed" test -f "$completion"
complete_words() {
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hue; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$completion" "$@" | sort
}
offers() {  # offers WORD WORDS...: completing WORDS offers WORD
    local word=$1; shift
    complete_words "$@" | grep -qxF -- "$word"
}
for cmd in $commands; do
    check "hue <TAB> offers $cmd" offers "$cmd" hue ""
    check "hue help <TAB> offers $cmd" offers "$cmd" hue help ""
done
for s in gemm conv decode track train; do check "hue bench <TAB> offers $s" offers $s hue bench ""; done
for s in davis knn linear; do check "hue eval <TAB> offers $s" offers $s hue eval ""; done
for cmd in $commands; do
    case $cmd in
    bench | eval) continue ;;  # their flags are their subcommands'
    esac
    complete_words hue "$cmd" -- >"$tmp/offered.txt"
    for flag in $(helps "$cmd" | option_flags) --help; do
        check "hue $cmd --<TAB> offers $flag" grep -qxF -- "$flag" "$tmp/offered.txt"
    done
    check "hue $cmd --<TAB> offers long flags only" test -z "$(grep -v '^--' "$tmp/offered.txt")"
done
for sub in "bench gemm" "bench conv" "bench decode" "bench track" "bench train" "eval davis" "eval knn" "eval linear"; do
    complete_words hue $sub -- >"$tmp/offered.txt"
    for flag in $("$hue" $sub --help | option_flags); do
        check "hue $sub --<TAB> offers $flag" grep -qxF -- "$flag" "$tmp/offered.txt"
    done
done
check "hue track --re<TAB>: --resize-mask only" test "$(complete_words hue track --re)" = "--resize-mask"
check "hue track --features <TAB>: lab, random" test "$(complete_words hue track --features "" | tr '\n' ' ')" = "lab random "
check "hue pretrain --backend <TAB>: auto, cpu, vulkan" \
    test "$(complete_words hue pretrain --backend "" | tr '\n' ' ')" = "auto cpu vulkan "
check "hue track VIDEO<TAB>: left to file names" test -z "$(complete_words hue track sam)"

check_summary
