# SCD2 and compaction scaling: time of sluice against the usual way, per workload size
# (bench/scd2_bench.cpp: incremental apply vs sort-based rebuild; bench/compaction_bench.cpp:
# sluice plan vs Iceberg's rules, CPU seconds). Log scale: each step is a factor.
if (!exists("results")) results = 'bench/results'
scd2 = 'python3 bench/charts/select.py '.results.'/scd2_bench.csv "^(s|ms)$" "^(sluice apply|sort-based rebuild)" --seconds'
plans = 'python3 bench/charts/select.py '.results.'/compaction_bench.csv "^s$" "CPU time"'
scd2_columns = int(system(scd2.' --columns'))
plan_columns = int(system(plans.' --columns'))
if (scd2_columns < 2 && plan_columns < 2) { print "scaling: no scd2/compaction results, skipped"; exit }
set terminal svg size 1100,460 dynamic font "sans,12" background rgb "white" noenhanced
set output results.'/scaling.svg'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y 10
set grid ytics
set key below
set xtics rotate by -15
set multiplot layout 1,2
if (scd2_columns >= 2) {
  set title 'SCD2: one apply vs rebuilding the history (lower is better)'
  set ylabel 'seconds'
  plot for [i=2:scd2_columns] '< '.scd2 using i:xtic(1) title columnheader(i)
}
if (plan_columns >= 2) {
  set title 'Compaction planning (lower is better)'
  set ylabel 'CPU seconds'
  plot for [i=2:plan_columns] '< '.plans using i:xtic(1) title columnheader(i)
}
unset multiplot
