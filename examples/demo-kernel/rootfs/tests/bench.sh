# bench: the figures three times (run.sh --test /tests/bench.sh --smp N)
bench
bench
bench
