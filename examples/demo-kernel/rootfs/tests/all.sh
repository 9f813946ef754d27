# The demo's self-test (run.sh --test): every user test program, then the
# shell's own features. The first failing command stops the script and its
# status becomes the machine's exit status.
echo kernkit demo self-test
forktest
badptr
faulttest
filetest
priority 1
mkdir /t
echo hello from sh > /t/greeting
cat /t/greeting | cat > /t/copy
cat /t/copy
echo more >> /t/copy
ls /t
rm /t/greeting ; rm /t/copy ; rm /t
ls / | cat
bench
echo all tests passed
