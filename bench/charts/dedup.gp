# Window dedup against the hash-map peers (bench/dedup_bench.cpp), one cluster per workload:
# dedup_throughput.svg (nanoseconds per record, lower is better) and dedup_memory.svg (bytes
# per live key, lower is better). Rows are picked by unit and workload suffix, so new
# workloads appear without edits here.
if (!exists("results")) results = 'bench/results'
times = 'python3 bench/charts/select.py '.results.'/dedup_bench.csv "^ns$" "" ", ns/record$"'
bytes = 'python3 bench/charts/select.py '.results.'/dedup_bench.csv "^B$" "" ", bytes/live key$"'
time_columns = int(system(times.' --columns'))
byte_columns = int(system(bytes.' --columns'))
if (time_columns < 2 && byte_columns < 2) { print "dedup: no dedup_bench results, skipped"; exit }
set terminal svg size 1000,440 dynamic font "sans,12" background rgb "white" noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key below
set grid ytics
set logscale y 2
if (time_columns >= 2) {
  set output results.'/dedup_throughput.svg'
  set title 'Window dedup, time per record (lower is better; 50% duplicates)'
  set ylabel 'ns per record'
  plot for [i=2:time_columns] '< '.times using i:xtic(1) title columnheader(i)
}
if (byte_columns >= 2) {
  set output results.'/dedup_memory.svg'
  set title 'Window dedup, memory per live key (lower is better)'
  set ylabel 'bytes per key'
  plot for [i=2:byte_columns] '< '.bytes using i:xtic(1) title columnheader(i)
}
