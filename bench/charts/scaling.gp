# SCD2 and compaction against the usual way, by workload size; log scale, lower is better.
# scd2_scaling.svg: one apply vs rebuilding the whole history by sort (bench/scd2_bench.cpp,
# CPU time); compaction_scaling.svg: sluice's plan vs Iceberg's rules (bench/compaction_bench.cpp).
if (!exists("results")) results = 'bench/results'
scd2 = 'python3 bench/charts/select.py '.results.'/scd2_bench.csv "^(s|ms)$" "^(sluice apply|sort-based rebuild)" "[(]cpu[)]$" --seconds'
plans = 'python3 bench/charts/select.py '.results.'/compaction_bench.csv "^s$" "CPU time"'
scd2_columns = int(system(scd2.' --columns'))
plan_columns = int(system(plans.' --columns'))
if (scd2_columns < 2 && plan_columns < 2) { print "scaling: no scd2/compaction results, skipped"; exit }
set terminal svg size 900,420 dynamic font "sans,12" background rgb "white" noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y 10
set grid ytics
set key below
if (scd2_columns >= 2) {
  set output results.'/scd2_scaling.svg'
  set title 'SCD2: one apply vs rebuilding the history (CPU seconds, lower is better)'
  set ylabel 'seconds'
  plot for [i=2:scd2_columns] '< '.scd2 using i:xtic(1) title columnheader(i)
}
if (plan_columns >= 2) {
  set output results.'/compaction_scaling.svg'
  set title 'Compaction planning by catalog size (CPU seconds, lower is better)'
  set ylabel 'CPU seconds'
  plot for [i=2:plan_columns] '< '.plans using i:xtic(1) title columnheader(i)
}
