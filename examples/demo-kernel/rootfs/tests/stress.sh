# stress: pipes and fork across harts
ls / | cat | cat
forktest
ls / | cat | cat
forktest
ls / | cat | cat
forktest
ls / | cat | cat
forktest
ls / | cat | cat
forktest
ls / | cat | cat
forktest
ls / | cat | cat
forktest
ls / | cat | cat
forktest
ls / | cat | cat
forktest
ls / | cat | cat
forktest
ls / | cat | cat
forktest
ls / | cat | cat
forktest
ls / | cat | cat
forktest
ls / | cat | cat
forktest
ls / | cat | cat
forktest
bench
