#!/usr/bin/env bash
# demo-interactive: types into the interactive shell (run.sh without --test)
# through tmux, as a person would, and checks the screen: line editing
# (left arrow, backspace, insert), history (up arrow), Ctrl-U, Ctrl-C on a
# spinning program (the shell comes back long before it would end), a pipe,
# and `exit` powering off without the test marker.
# Usage: interactive.sh WORKDIR RUN.SH-COMMAND...   (skips, 77, without tmux/qemu)
set -uo pipefail
work=$1
shift
for tool in tmux qemu-system-riscv64; do
  if ! command -v "$tool" >/dev/null; then
    echo "demo-interactive: SKIP: no $tool"
    exit 77
  fi
done
mkdir -p "$work"
sock="kk-demo-interactive-$$"
tm() { tmux -L "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null' EXIT
cmd=$(printf '%q ' "$@" --build-dir "$work" --smp 2 --fresh)
tm new-session -d -x 120 -y 50 "$cmd; echo RUN-SH-EXITED; sleep 600"
screen() { tm capture-pane -p -S -1000; }
fail() {
  echo "demo-interactive: FAIL: $*"
  echo "---- screen ----"
  screen
  exit 1
}
# wait_for REGEX [SECONDS]: until a screen line matches the extended regex
wait_for() {
  local i
  for ((i = 0; i < ${2:-60} * 4; i++)); do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.25
  done
  fail "no line matching '$1' within ${2:-60} s"
}
keys() { tm send-keys "$@"; }
count() { screen | grep -Ec -- "$1"; }

wait_for '^/\$ ?$' 120
# editing: "echo helo world", 6 x left, backspace (the o), "l": "echo hell world"
keys "echo helo world" Left Left Left Left Left Left BSpace l Enter
wait_for '^hell world$'
# history: up recalls the line
keys Up Enter
for ((i = 0; i < 120 && $(count '^hell world$') < 2; i++)); do sleep 0.25; done
[ "$(count '^hell world$')" -ge 2 ] || fail "up arrow did not recall 'echo hell world'"
# Ctrl-U erases what was typed
keys "echo wrong" C-u "echo right" Enter
wait_for '^right$'
screen | grep -Eq '^wrong$' && fail "Ctrl-U did not erase the line"
# Ctrl-C stops a spinning program (priority 30 would take 30 s) and its
# ^C is not left in the next line
keys "priority 30" Enter
sleep 2
keys C-c
wait_for '^\^C$' 20
keys "echo after-intr" Enter
wait_for '^after-intr$' 20
screen | grep -Eq '^priority [0-9]: share|^priority: ' && fail "priority ran to its end: Ctrl-C did not stop it"
# a pipe
keys "echo piped words | cat" Enter
wait_for '^piped words$'
# exit powers off, without the test marker of --test mode
keys "exit" Enter
wait_for 'power off \(status 0\)'
wait_for 'RUN-SH-EXITED'
screen | grep -q 'KK-DEMO-PASS' && fail "the test marker was printed interactively"
echo "demo-interactive: editing, history, Ctrl-U, Ctrl-C, pipe and exit ok"
