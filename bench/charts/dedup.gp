# Dedup throughput and memory per live key against the hash-map peers (bench/dedup_bench.cpp).
# Two charts: dedup_throughput.svg (rates, higher is better) and dedup_memory.svg (bytes per
# key, lower is better). Rows are picked by unit, so new workloads appear without edits here.
if (!exists("results")) results = 'bench/results'
rates = 'python3 bench/charts/select.py '.results.'/dedup_bench.csv "/s$"'
bytes = 'python3 bench/charts/select.py '.results.'/dedup_bench.csv "^B/key$"'
rate_columns = int(system(rates.' --columns'))
byte_columns = int(system(bytes.' --columns'))
if (rate_columns < 2 && byte_columns < 2) { print "dedup: no dedup_bench results, skipped"; exit }
set terminal svg size 1000,440 dynamic font "sans,12" background rgb "white" noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key below
set grid ytics
set xtics rotate by -20
if (rate_columns >= 2) {
  set output results.'/dedup_throughput.svg'
  set title 'Window dedup throughput (higher is better)'
  set ylabel 'millions of records per second'
  plot for [i=2:rate_columns] '< '.rates using i:xtic(1) title columnheader(i)
}
if (byte_columns >= 2) {
  set output results.'/dedup_memory.svg'
  set title 'Memory per live key (lower is better)'
  set ylabel 'bytes per key'
  plot for [i=2:byte_columns] '< '.bytes using i:xtic(1) title columnheader(i)
}
