# Booted with sched=stride on one hart: five tasks with priorities 1..5 get
# CPU shares 1:2:3:4:5 (uCore's priority test).
priority 2
