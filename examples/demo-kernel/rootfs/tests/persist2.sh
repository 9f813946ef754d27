# Persistence, second boot of the same disk: what persist1.sh wrote is there.
filetest verify /persist.dat
cat /pdir/note
rm /pdir/note
rm /pdir
rm /persist.dat
echo persistence ok
