#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's commands, run (issue 21): every command shown in README.md's code blocks (`$ cmd`
# lines, or whole blocks of commands) and in each tool's --help examples runs, in the state the
# README describes: from a checkout's root (models/, data/, examples/, tests/; ../shared beside it), the
# tool on the PATH, `cmake --install` done into $HOME/.local. Where the README shows a command's
# output after it, each shown line must be in what the command printed. Not run: the build itself
# (bash scripts/*.sh, cmake), app.c (a placeholder) and CMake code.
# Environment as engine_lib.sh, plus BUILD (the build tree to install).
. "$(dirname "$0")/engine_lib.sh"
: "${BUILD:?BUILD not set (run through ctest)}"
W=$TMP/w; mkdir -p "$W" "$TMP/bin" "$TMP/home" "$TMP/log"
for d in models data examples tests; do ln -s "$SRC/$d" "$W/$d"; done
ln -s "$(cd "$SHARED" && pwd)" "$TMP/shared"     # ../shared, seen from $W
ln -s "$DLAKIT" "$TMP/bin/dlakit"
ln -s "$PY" "$TMP/bin/python3"                  # Debian's, with numpy
export HOME=$TMP/home PATH=$TMP/bin:$PATH
cmake --install "$BUILD" --prefix "$HOME/.local" >"$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; exit 1; }

# cmds.sh: each command run in $W with its stdout, stderr and status kept in $L/N.*, the output the
# README shows after it in $L/N.want; shell variable lines (S=...) run as they are
$PY - "$SRC/README.md" "$DLAKIT" >"$TMP/cmds.sh" <<'PYEOF'
import re, shlex, subprocess, sys
readme, tool = sys.argv[1], sys.argv[2]
RUN = re.compile(r"^(dlakit|cc|\./classify|export PKG_CONFIG_PATH|[A-Z_]+=\S+;?|PYTHONPATH=\S+ python3)\b")
SKIP = ("bash scripts/", "cmake ", "app.c", "export PATH=")

def nocomment(l):
    return l.split("  #")[0].rstrip()

def commands(lines, prompted):
    """(command, shown output lines) from one code block."""
    out, i = [], 0
    while i < len(lines):
        l = lines[i]
        if prompted and not l.startswith("$ "):
            if out and l.strip() != "...":
                out[-1][1].append(l.rstrip())
            i += 1
            continue
        cmd = nocomment(l[2:] if prompted else l)
        while (cmd.endswith("\\") or cmd.count("'") % 2) and i + 1 < len(lines):
            i += 1
            nxt = nocomment(lines[i])
            cmd = cmd[:-1] + " " + nxt.strip() if cmd.endswith("\\") else cmd + "\n" + nxt
        out.append((cmd, []))
        i += 1
    return [(c, o) for c, o in out if RUN.match(c) and not any(s in c for s in SKIP)]

blocks, cur = [], []
for l in open(readme).read().split("\n") + [""]:
    if l.startswith("    ") or (cur and l == ""):
        cur.append(l[4:])
    else:
        if cur:
            blocks.append(cur)
        cur = []
cmds = []
for b in blocks:
    while b and b[-1] == "":
        b.pop()
    cmds += [(c, o, "README") for c, o in commands(b, any(x.startswith("$ ") for x in b))]
names = re.findall(r"^  (\w+) ", subprocess.run([tool, "--help"], capture_output=True, text=True).stdout, re.M)
for n in names:
    h = subprocess.run([tool, n, "--help"], capture_output=True, text=True).stdout
    ex = h[h.find("\nExample"):].split("\n")[1:] if "\nExample" in h else []
    ex = [l[2:] for l in ex if l.startswith("  ")]
    cmds += [(c, o, f"dlakit {n} --help") for c, o in commands(ex, False)]
for k, (c, o, where) in enumerate(cmds):
    if re.fullmatch(r"([A-Z_]+=\S+;? ?)+", c):   # shell variables the next commands use
        print(c.rstrip(";"))
        continue
    print(f"printf '%s\\0' {shlex.quote(c)} >\"$L/{k}.cmd\"; printf '%s' {shlex.quote(where)} >\"$L/{k}.where\"")
    print(f"printf '%s\\n' {' '.join(shlex.quote(x) for x in o) if o else ''} >\"$L/{k}.want\"")
    print(f"{{ {c}\n}} >\"$L/{k}.out\" 2>\"$L/{k}.err\" </dev/null; echo $? >\"$L/{k}.rc\"")
PYEOF
(cd "$W" && L=$TMP/log bash "$TMP/cmds.sh")
n=0
for rcf in $(ls "$TMP"/log/*.rc | sort -t/ -k1,1 -V); do
  k=${rcf%.rc}; n=$((n + 1))
  cmd=$(tr -d '\0' <"$k.cmd" | tr '\n' ' '); where=$(cat "$k.where")
  if [ "$(cat "$rcf")" != 0 ]; then
    fail "$where: '$cmd' exited $(cat "$rcf"):"; head -5 "$k.err" | sed 's/^/     /'; continue
  fi
  miss=0
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    grep -qxF -- "$line" <(sed 's/[[:space:]]*$//' "$k.out") || { fail "$where: '$cmd' did not print: $line"; miss=1; }
  done <"$k.want"
  [ $miss -eq 0 ] && echo "ok $where: ${cmd:0:110}$(grep -q . "$k.want" && echo " (and the output shown)")"
done
[ $n -ge 20 ] || fail "only $n commands found in README.md and the --help examples"
echo "readme_commands: $n commands"
finish
