#!/bin/sh
# Writes the man pages of hue into OUTDIR, generated from what the binary's
# --help prints (so a page never says other than --help does): hue.1 from
# `hue --help`, and hue-CMD.1 for every command of its list, holding the
# command's --help and those of its subcommands and modes (help_pages.sh).
#
#   sh man_pages.sh HUE OUTDIR VERSION DESCRIPTION
#
# A help text is read as: the usage lines up to the first blank line (the
# SYNOPSIS), then paragraphs, option lines (`  -o, --out DIR   text`, the
# text going on in lines indented further) and indented `  name   text`
# lists. Options become .TP items; text is left for man to fill.
set -eu
hue=$1 outdir=$2 version=$3 description=$4
. "$(dirname "$0")/help_pages.sh"

pages=$(help_pages "$hue")
mkdir -p "$outdir"
rm -f "$outdir"/*.1

# roff for one help text on stdin: SECTION=synopsis prints its usage
# lines, SECTION=body the rest.
format() {
    awk -v section="$1" '
    function esc(s) {
        gsub(/\\/, "\\e", s)
        gsub(/-/, "\\-", s)
        return s
    }
    function line(s) {
        if (s ~ /^[.'"'"']/)
            s = "\\&" s
        print s
    }
    # an option tag: flags bold, their values italic
    function tag(s,   n, w, i, out, t, comma) {
        n = split(s, w, / +/)
        out = ""
        for (i = 1; i <= n; i++) {
            t = w[i]
            comma = ""
            if (t ~ /,$/) { comma = ","; t = substr(t, 1, length(t) - 1) }
            if (t ~ /^-/ || item == "list")
                t = "\\fB" esc(t) "\\fR"
            else
                t = "\\fI" esc(t) "\\fR"
            out = out (i > 1 ? " " : "") t comma
        }
        return out
    }
    function indent(s) { match(s, /^ */); return RLENGTH }
    BEGIN { in_usage = 1; item = ""; para = 1 }
    in_usage {
        if ($0 == "") { in_usage = 0; next }
        if (section != "synopsis")
            next
        s = $0
        if (sub(/^usage: /, "", s) == 0)
            s = substr(s, 8)
        line(esc(s))
        next
    }
    section == "synopsis" { next }
    $0 == "" { item = ""; para = 1; next }
    # an option, or an entry of an indented list: tag, two spaces, text
    /^ +-/ || (/^  [^ ]/ && /[^ ]  +[^ ]/) {
        s = $0
        item = (s ~ /^ +-/) ? "option" : "list"
        lead = indent(s)
        s = substr(s, lead + 1)
        if (match(s, /  +/)) {
            t = substr(s, 1, RSTART - 1)
            text_col = lead + RSTART + RLENGTH - 1
            s = substr(s, RSTART + RLENGTH)
        } else {
            t = s
            text_col = -1
            s = ""
        }
        print ".TP"
        line(tag(t))
        if (s != "")
            line(esc(s))
        para = 0
        next
    }
    item != "" && /^ / {
        # the item goes on; a line at its text column that starts
        # `word: ` opens one of a list of choices (pretrain --method)
        s = $0
        n = indent(s)
        s = substr(s, n + 1)
        if (text_col < 0)
            text_col = n
        else if (n == text_col && s ~ /^[a-z0-9-]+: /)
            print ".br"
        line(esc(s))
        next
    }
    {
        s = $0
        sub(/^ +/, "", s)
        if (para || item != "") {
            print ".PP"
            para = 0
            item = ""
        }
        line(esc(s))
    }'
}

# roff escapes: backslashes and hyphens (a plain '-' may print as a
# Unicode hyphen, which neither a search nor a shell takes for a flag's)
roff() { printf '%s\n' "$1" | sed 's/\\/\\e/g; s/-/\\-/g'; }

header() {  # header NAME SUMMARY
    printf '.TH %s 1 "" "hue %s" "hue manual"\n' "$(roff "$1" | tr 'a-z' 'A-Z')" "$version"
    printf '%s\n' .nh ".ad l" ".SH NAME"
    printf '%s \\- %s\n' "$(roff "$1")" "$(roff "$2")"
}

commands=$(help_commands "$hue")

# hue.1
{
    header hue "$description"
    echo ".SH SYNOPSIS"
    echo ".nf"
    "$hue" --help | format synopsis
    printf '%s\n' 'hue \-\-version' 'hue help \fIcommand\fR'
    echo ".fi"
    echo ".SH DESCRIPTION"
    "$hue" --help | format body
    echo ".SH \"SEE ALSO\""
    sep=""
    for cmd in $(echo "$commands" | cut -d'|' -f1); do
        printf '%s.BR %s (1)' "$sep" "$(roff "hue-$cmd")"
        sep=",
"
    done
    echo
} >"$outdir/hue.1"

# hue-CMD.1
echo "$commands" | while IFS='|' read -r cmd summary; do
    page=$outdir/hue-$cmd.1
    {
        header "hue-$cmd" "$summary"
        echo ".SH SYNOPSIS"
        echo ".nf"
        echo "$pages" | while IFS='|' read -r pcmd title args; do
            [ "$pcmd" = "$cmd" ] || continue
            text=$("$hue" $args)
            printf '%s\n' "$text" | format synopsis
        done
        echo ".fi"
        echo "$pages" | while IFS='|' read -r pcmd title args; do
            [ "$pcmd" = "$cmd" ] || continue
            text=$("$hue" $args)
            if [ -z "$title" ]; then
                echo ".SH DESCRIPTION"
            else
                printf '.SH "HUE %s"\n' "$(roff "$title" | tr 'a-z' 'A-Z')"
                echo ".nf"
                printf '%s\n' "$text" | format synopsis
                echo ".fi"
            fi
            printf '%s\n' "$text" | format body
        done
        echo ".SH \"SEE ALSO\""
        echo ".BR hue (1)"
    } >"$page"
done
