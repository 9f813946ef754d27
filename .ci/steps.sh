# Sourced by .ci/test.sh and .ci/masked.sh: named steps that keep going after
# a failure and a summary at the end.
#
#   step NAME COMMAND [ARG...]   run COMMAND (a program or a shell function) in
#                                a subshell with `set -e`; record status and time
#   ctest_run BUILD_DIR CTEST_ARG...
#                                run ctest, note "P/N passed, S skipped" (or the
#                                failed tests) for the step's summary line, and
#                                print each skipped test's "SKIP:" reason
#   steps_summary                print one line per step; return 1 if any failed
#
# A step's summary line is "NAME: <note or ok/FAILED>, <seconds> s". A command
# may write a short note to "$KK_STEP_NOTE" (ctest_run does).

KK_STEP_LINES=()
KK_STEP_FAILED=0
KK_STEP_START=$SECONDS

step() {
    local name=$1 t0=$SECONDS rc note status
    shift
    printf '\n=== %s ===\n' "$name"
    KK_STEP_NOTE=$(mktemp)
    export KK_STEP_NOTE
    (
        set -eo pipefail
        "$@"
    )
    rc=$?
    note=$(cat "$KK_STEP_NOTE" 2>/dev/null)
    rm -f "$KK_STEP_NOTE"
    if [ "$rc" -eq 0 ]; then
        status=${note:-ok}
    else
        status="FAILED (exit $rc)${note:+: $note}"
        KK_STEP_FAILED=$((KK_STEP_FAILED + 1))
        printf '=== %s FAILED (exit %s), going on ===\n' "$name" "$rc"
    fi
    KK_STEP_LINES+=("$(printf '%s: %s, %d s' "$name" "$status" $((SECONDS - t0)))")
}

# The "SKIP: ..." line of every test in BUILD_DIR's last ctest run that printed one.
ctest_skips() {
    local log=$1/Testing/Temporary/LastTest.log
    [ -f "$log" ] || return 0
    awk '/^[0-9]+\/[0-9]+ Testing: / { name = $3 }
         /^SKIP: / && name != "" { print "  skipped " name ": " substr($0, 7); name = "" }' "$log"
}

ctest_run() {
    local dir=$1 out rc=0 total passed failed skipped
    shift
    out=$(mktemp)
    ctest "$@" 2>&1 | tee "$out" || rc=$?
    total=$(sed -n 's/.* tests failed out of \([0-9]*\).*/\1/p' "$out" | tail -n 1)
    failed=$(sed -n 's/.*, \([0-9]*\) tests failed out of .*/\1/p' "$out" | tail -n 1)
    skipped=$(grep -c '(Skipped)$' "$out" || true)
    if [ -n "$total" ]; then
        passed=$((total - failed - skipped))
        [ "$skipped" -gt 0 ] && skipped=", $skipped skipped" || skipped=""
        if [ "$failed" -gt 0 ]; then
            printf '%s/%s passed%s, failed: %s' "$passed" "$total" "$skipped" \
                "$(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (\(Failed\|Timeout\|Not Run\|SEGFAULT\|Subprocess aborted\|Exception\).*/\1/p' "$out" |
                    tr '\n' ' ' | sed 's/ $//')" >"$KK_STEP_NOTE"
        else
            printf '%s/%s passed%s' "$passed" "$total" "$skipped" >"$KK_STEP_NOTE"
        fi
    fi
    rm -f "$out"
    ctest_skips "$dir"
    return "$rc"
}

steps_summary() {
    local l
    printf '\n=== summary (%d s) ===\n' $((SECONDS - KK_STEP_START))
    for l in "${KK_STEP_LINES[@]}"; do
        echo "$l"
    done
    if [ "$KK_STEP_FAILED" -gt 0 ]; then
        echo "kernkit: $KK_STEP_FAILED step(s) FAILED"
        return 1
    fi
    echo "kernkit: all checks passed"
}
