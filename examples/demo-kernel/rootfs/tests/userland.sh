# The everyday programs (run from /tests/all.sh): pwd, wc, ls -l, cp, mv,
# ln [-s], rmdir, sleep, true/false, stat, df; a 40-word line. Stops at the first failure.
mkdir /u ; cd /u
pwd > /u/where ; expect /u/where /u
echo one two three > a ; echo four >> a
echo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 > many ; expect many 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 ; rm many
wc a > counts ; expect -c counts " 2 " " 4 " " 19 a"
cat a | wc > counts ; expect -c counts " 2 " " 4 " " 19"
cp a b ; expect -c b one two three four
mkdir d ; cp a d ; expect -c d/a four
mv b c ; expect -c c one four
mv c d ; expect -c d/c one
ln a hard ; stat hard > st ; expect -c st "Links: 2"
ls -l /u > listing ; expect -c listing " hard" "d   2 "
ln -s /u/a soft ; ls -l > listing ; expect -c listing "soft -> /u/a"
cat soft > viasoft ; expect -c viasoft one two three
stat a > st ; expect -c st "Type: file" "Size: 19" "Links: 2"
df > space ; expect -c space Filesystem "1K-blocks" sfs
true ; sleep 0
rm d/a ; rm d/c ; rmdir d
rm a ; rm hard ; rm soft ; rm viasoft ; rm st ; rm space ; rm listing ; rm counts ; rm where
cd / ; rmdir /u
echo userland ok
