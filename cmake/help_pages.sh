# Sourced by man_pages.sh and bash_completion.sh: finds every help text the
# hue binary prints, so that what is generated from them follows --help.
#
# help_pages HUE prints one line per help text, fields separated by '|':
#   COMMAND|TITLE|ARGS
# COMMAND is a command of `hue --help`'s list; TITLE is empty for the
# command's own --help, else what the text is about ("bench gemm", "colorize
# --image"); ARGS are the arguments that print it. Besides each command's
# own text there are:
#   - subcommands: a command whose usage reads `hue CMD <...>` lists them
#     as indented `  NAME   summary` lines (hue bench, hue eval);
#   - modes: a text that says `see hue CMD --FLAG --help` (hue colorize
#     --image) has a second text, printed by `hue CMD --help --FLAG`.
#
# help_commands HUE prints `NAME|SUMMARY` for each command of `hue --help`.

help_commands() {
    "$1" --help | awk '
        /^commands:/ { inside = 1; next }
        inside && /^$/ { exit }
        inside && match($0, /^  [a-z][a-z0-9-]*  +/) {
            name = $1
            summary = substr($0, RLENGTH + 1)
            print name "|" summary
        }'
}

help_pages() {
    hue=$1
    commands=$(help_commands "$hue" | cut -d'|' -f1)
    if [ -z "$commands" ]; then
        echo "help_pages: '$hue --help' lists no command" >&2
        return 1
    fi
    for cmd in $commands; do
        text=$("$hue" "$cmd" --help) || {
            echo "help_pages: '$hue $cmd --help' failed" >&2
            return 1
        }
        echo "$cmd||$cmd --help"
        if printf '%s\n' "$text" | head -n 1 | grep -q "^usage: hue $cmd <"; then
            for sub in $(printf '%s\n' "$text" | awk '/^  [a-z][a-z0-9-]*  +[^ ]/ { print $1 }'); do
                echo "$cmd|$cmd $sub|$cmd $sub --help"
            done
        fi
        for flag in $(printf '%s\n' "$text" | grep -o "see hue $cmd --[a-z][a-z0-9-]* --help" | awk '{ print $4 }' | sort -u); do
            echo "$cmd|$cmd $flag|$cmd --help $flag"
        done
    done
}
