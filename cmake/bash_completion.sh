#!/bin/sh
# Writes OUT, hue's bash completion, generated from what the binary's --help
# prints (help_pages.sh), so that it completes the flags --help lists:
#   hue <TAB>               the commands (and help, --help, --version)
#   hue help <TAB>          the commands
#   hue bench <TAB>         a command's subcommands, where it has them
#   hue track --<TAB>       the command's (or subcommand's) long flags: those
#                           of its usage lines and option lines, and --help;
#                           a mode's flags (hue colorize --image) join its
#                           command's
#   hue track --features <TAB>  the values a help text spells `--flag a|b|c`
#                           or lists as option lines `--flag a`, `--flag b`
#   anything else           file names
#
#   sh bash_completion.sh HUE OUT
set -eu
hue=$1 out=$2
. "$(dirname "$0")/help_pages.sh"

pages=$(help_pages "$hue")
commands=$(help_commands "$hue" | cut -d'|' -f1)

# The long flags of help texts on stdin, one per line.
flags() {
    awk '
    /^usage: / { usage = 1 }
    $0 == "" { usage = 0 }
    {
        s = ""
        if (usage)
            s = $0
        else if (/^ +-/) {  # an option line: its tag, up to two spaces
            s = $0
            sub(/^ +/, "", s)
            sub(/  .*/, "", s)
        }
        while (match(s, /--[a-z][a-z0-9-]*/)) {
            print substr(s, RSTART, RLENGTH)
            s = substr(s, RSTART + RLENGTH)
        }
    }
    END { print "--help" }' | sort -u
}

# `--flag value...` for the flags whose values a help text names, one line each.
choices() {
    awk '
    {
        s = $0
        while (match(s, /--[a-z][a-z0-9-]* [a-z0-9]+(\|[a-z0-9]+)+/)) {
            m = substr(s, RSTART, RLENGTH)
            split(m, part, " ")
            n = split(part[2], v, "|")
            for (i = 1; i <= n; i++)
                seen[part[1] " " v[i]] = 1
            s = substr(s, RSTART + RLENGTH)
        }
    }
    /^ +--[a-z][a-z0-9-]* [a-z0-9]+  / {
        split($0, w, " ")
        seen[w[1] " " w[2]] = 1
    }
    END {
        for (k in seen) {
            split(k, w, " ")
            list[w[1]] = list[w[1]] " " w[2]
        }
        for (f in list)
            print f list[f]
    }' | sort
}

# help texts of one page key ("track", "bench gemm"): the command's own
# and its modes' for a command, the subcommand's for a subcommand
texts() {
    echo "$pages" | while IFS='|' read -r pcmd title args; do
        case "$title" in
        "$1" | "$1 --"*) ;;
        "") [ "$pcmd" = "$1" ] || continue ;;
        *) continue ;;
        esac
        "$hue" $args
        echo
    done
}

global=$("$hue" --help | choices)
{
    echo "# bash completion for hue: generated from hue's --help by cmake/bash_completion.sh."
    echo
    echo "_hue_commands='$(echo $commands)'"
    echo
    echo "# the subcommands of a command"
    echo "_hue_subcommands() {"
    echo "    case \"\$1\" in"
    for cmd in $commands; do
        subs=$(echo "$pages" | awk -F'|' -v c="$cmd" '$1 == c && $2 ~ / [a-z]/ { split($2, w, " "); print w[2] }')
        [ -n "$subs" ] && echo "    $cmd) echo '$(echo $subs)' ;;"
    done
    echo "    esac"
    echo "}"
    echo
    echo "# the long flags of a command or \"command subcommand\""
    echo "_hue_flags() {"
    echo "    case \"\$1\" in"
    keys=$(echo "$pages" | awk -F'|' '$2 !~ / --/ { print ($2 == "" ? $1 : $2) }')
    echo "$keys" | while read -r key; do
        echo "    '$key') echo '$(texts "$key" | flags | tr '\n' ' ' | sed 's/ $//')' ;;"
    done
    echo "    esac"
    echo "}"
    echo
    echo "# the values of FLAG for a command or \"command subcommand\": _hue_values KEY FLAG"
    echo "_hue_values() {"
    echo "    case \"\$1 \$2\" in"
    echo "$keys" | while read -r key; do
        texts "$key" | choices | while read -r flag values; do
            echo "    '$key $flag') echo '$(echo $values | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')' ;;"
        done
    done
    echo "$global" | while read -r flag values; do
        echo "    *' $flag') echo '$(echo $values | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')' ;;"
    done
    echo "    esac"
    echo "}"
    cat <<'EOF'

_hue() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    if ((COMP_CWORD == 1)); then
        COMPREPLY=($(compgen -W "$_hue_commands help version --help --version" -- "$cur"))
        return
    fi
    local key=${COMP_WORDS[1]}
    if [[ $key == help ]]; then
        ((COMP_CWORD == 2)) && COMPREPLY=($(compgen -W "$_hue_commands" -- "$cur"))
        return
    fi
    local subs=$(_hue_subcommands "$key")
    if [[ -n $subs ]]; then
        if ((COMP_CWORD == 2)); then
            COMPREPLY=($(compgen -W "$subs --help" -- "$cur"))
            return
        fi
        key="$key ${COMP_WORDS[2]}"
    fi
    local values=$(_hue_values "$key" "$prev")
    if [[ -n $values ]]; then
        COMPREPLY=($(compgen -W "$values" -- "$cur"))
    elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_hue_flags "$key")" -- "$cur"))
    fi
    # nothing here: bash completes file names (-o default)
}
complete -o default -F _hue hue
EOF
} >"$out"
