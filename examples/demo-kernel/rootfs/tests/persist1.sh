# Persistence, first boot: leave files behind (checked by persist2.sh).
filetest write /persist.dat
mkdir /pdir
echo this line survived a reboot > /pdir/note
ls /pdir
