# The demo's self-test (run.sh --test): every user test program, then the
# shell's own features. The first failing command stops the script and its
# status becomes the machine's exit status.
echo kernkit demo self-test
forktest
badptr
faulttest
killtest
blktest
ps
filetest
sh /tests/userland.sh
priority 1
mkdir /t
echo hello from sh > /t/greeting
cat /t/greeting | cat > /t/copy
cat /t/copy
echo more >> /t/copy
echo "double  quoted | no pipe; no split" 'single "q" # no comment' a"b c"d > /t/q
expect /t/q "double  quoted | no pipe; no split" 'single "q" # no comment' "ab cd"
echo "say \"hi\" \\o/" '' > /t/e ; expect /t/e 'say "hi" \o/' ""
cd /t ; ls | cat > listing ; cd /
cat /t/listing
ls /t
rm /t/greeting ; rm /t/copy ; rm /t/q ; rm /t/e ; rm /t/listing ; rm /t
ls / | cat
bench
echo all tests passed
