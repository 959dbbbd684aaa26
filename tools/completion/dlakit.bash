# SPDX-License-Identifier: Apache-2.0
# bash completion for dlakit: commands from `dlakit --help`, options from `dlakit COMMAND --help`
# (read when completing, so they always match the installed tool), file names elsewhere.
_dlakit()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} tool=${COMP_WORDS[0]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        local cmds
        cmds=$("$tool" --help 2>/dev/null | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}')
        mapfile -t COMPREPLY < <(compgen -W "$cmds help --help --version" -- "$cur")
        return
    fi
    local cmd=${COMP_WORDS[1]}
    case "$prev" in
        --resize) mapfile -t COMPREPLY < <(compgen -W "nearest bilinear bicubic" -- "$cur"); return ;;
        --aspect) mapfile -t COMPREPLY < <(compgen -W "crop fit pad" -- "$cur"); return ;;
        --method) mapfile -t COMPREPLY < <(compgen -W "minmax percentile entropy" -- "$cur"); return ;;
        --format) mapfile -t COMPREPLY < <(compgen -W "qdq qop" -- "$cur"); return ;;
    esac
    if [[ $cur == -* ]]; then
        local opts
        opts=$("$tool" "$cmd" --help 2>/dev/null | grep -oE '(^|[ [(|])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[ [(|]//' | sort -u)
        mapfile -t COMPREPLY < <(compgen -W "$opts --help" -- "$cur")
        return
    fi
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -o filenames -F _dlakit dlakit
