# file throughput: filetest three times (run.sh --test /tests/fileperf.sh)
filetest
filetest
filetest
