#!/bin/sh
# kk-require.sh REQUIREMENT... -- COMMAND [ARG...]
# Runs COMMAND when the host has every REQUIREMENT; otherwise prints one line
# "SKIP: <what this host lacks>" and exits 77 (the tests' SKIP_RETURN_CODE).
# Each capability can be masked with an environment switch (any non-empty
# value), so .ci/masked.sh can prove the skips on any machine:
#   i386=PROBE   run i386 programs: natively when PROBE (a -m32 program that
#                prints "kk-i386-ok") runs, else under qemu-i386 (Debian
#                package qemu-user), which then prefixes COMMAND.
#                KK_TEST_NO_I386 masks native execution (qemu-i386 is used),
#                KK_TEST_NO_QEMU masks qemu-i386 too.
#   prog=NAME    NAME found on PATH or an absolute path that is executable.
#                KK_TEST_NO_QEMU masks every qemu-* program.
#   missing=WHY  always skips, saying WHY (a test registered although
#                configure found its tool missing, so the skip shows).
set -u
skip() {
    echo "SKIP: $*"
    exit 77
}
runner=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case $1 in
    i386=*)
        probe=${1#i386=}
        if [ -z "${KK_TEST_NO_I386:-}" ] && [ "$("$probe" 2>/dev/null)" = kk-i386-ok ]; then
            :
        elif [ -z "${KK_TEST_NO_QEMU:-}" ] && command -v qemu-i386 >/dev/null 2>&1 &&
            [ "$(qemu-i386 "$probe" 2>/dev/null)" = kk-i386-ok ]; then
            runner=qemu-i386
            echo "kk-require: i386 programs run under qemu-i386 here"
        else
            why="this host cannot execute i386 programs"
            [ -n "${KK_TEST_NO_I386:-}" ] && why="i386 execution masked (KK_TEST_NO_I386)"
            if [ -n "${KK_TEST_NO_QEMU:-}" ]; then
                skip "$why and qemu-i386 is masked (KK_TEST_NO_QEMU)"
            fi
            skip "$why and qemu-i386 (Debian: qemu-user) is missing or fails"
        fi
        ;;
    prog=*)
        p=${1#prog=}
        case ${p##*/} in
        qemu-*) [ -z "${KK_TEST_NO_QEMU:-}" ] || skip "${p##*/} masked (KK_TEST_NO_QEMU)" ;;
        esac
        if [ -z "$p" ] || ! { [ -x "$p" ] || command -v "$p" >/dev/null 2>&1; }; then
            skip "${p:-a needed program} not found"
        fi
        ;;
    missing=*) skip "${1#missing=}" ;;
    *)
        echo "kk-require: unknown requirement '$1'" >&2
        exit 2
        ;;
    esac
    shift
done
[ $# -gt 1 ] || {
    echo "usage: kk-require.sh REQUIREMENT... -- COMMAND [ARG...]" >&2
    exit 2
}
shift
exec $runner "$@"
