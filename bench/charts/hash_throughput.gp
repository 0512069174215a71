# Hashing throughput by key size: sluice hash64 against XXH3 and wyhash (bench/hash_bench.cpp).
# Run by scripts/bench.sh as: gnuplot -e "results='bench/results'" bench/charts/hash_throughput.gp
if (!exists("results")) results = 'bench/results'
select = 'python3 bench/charts/select.py '.results.'/hash_bench.csv "^GB/s$" "^(sluice hash64|XXH3_64bits, inlined|XXH3_64bits from libxxhash|wyhash)$"'
columns = int(system(select.' --columns'))
if (columns < 2) { print "hash_throughput: no hash_bench results, skipped"; exit }
set terminal svg size 900,420 dynamic font "sans,12" background rgb "white" noenhanced
set output results.'/hash_throughput.svg'
set title 'Hashing throughput by key size (higher is better)'
set ylabel 'GB/s'
set logscale y 2
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key below
set grid ytics
plot for [i=2:columns] '< '.select using i:xtic(1) title columnheader(i)
