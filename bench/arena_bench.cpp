// Arena allocation throughput: sluice::arena vs std::pmr::monotonic_buffer_resource vs
// malloc/free on small objects (16-64 bytes), and standard containers with arena_allocator vs
// std::allocator. Each allocation is touched (one byte written), as real code would.
#include <cstdint>
#include <cstdlib>
#include <memory_resource>
#include <unordered_map>
#include <vector>

#include <sluice/arena.hpp>

#include "bench_util.hpp"

namespace {

constexpr std::size_t object_count = 1 << 20;  // allocations per round
constexpr int repeats = 15;

// Sizes 16..64 in steps of 8, in a fixed pseudo-random order.
std::vector<std::uint32_t> make_sizes() {
  std::vector<std::uint32_t> sizes(object_count);
  std::uint64_t state = 0x5EED;
  for (auto& size : sizes) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    size = 16 + 8 * static_cast<std::uint32_t>((state >> 33) % 7);
  }
  return sizes;
}

double millions_per_second(double seconds) { return static_cast<double>(object_count) / seconds / 1e6; }

struct small_object_results {
  double arena_heap, arena_reused, arena_fixed, monotonic_heap, monotonic_reused, monotonic_fixed,
      malloc_free;
};

small_object_results small_objects(const std::vector<std::uint32_t>& sizes) {
  small_object_results r{};
  std::size_t total = 0;
  for (auto s : sizes) total += s + 8;
  std::vector<unsigned char> buffer(total + 4096);
  std::vector<void*> pointers(object_count);

  r.arena_heap = bench::best_seconds(repeats, [&] {
    sluice::arena memory;
    for (std::size_t i = 0; i < object_count; ++i) {
      auto* p = static_cast<unsigned char*>(memory.allocate(sizes[i], 8));
      *p = static_cast<unsigned char>(i);
      bench::keep(p);
    }
  });
  r.monotonic_heap = bench::best_seconds(repeats, [&] {
    std::pmr::monotonic_buffer_resource memory;
    for (std::size_t i = 0; i < object_count; ++i) {
      auto* p = static_cast<unsigned char*>(memory.allocate(sizes[i], 8));
      *p = static_cast<unsigned char>(i);
      bench::keep(p);
    }
  });
  // The same resource reused round after round: reset() keeps one block, release() none.
  sluice::arena reused_arena;
  r.arena_reused = bench::best_seconds(repeats, [&] {
    for (std::size_t i = 0; i < object_count; ++i) {
      auto* p = static_cast<unsigned char*>(reused_arena.allocate(sizes[i], 8));
      *p = static_cast<unsigned char>(i);
      bench::keep(p);
    }
    reused_arena.reset();
  });
  std::pmr::monotonic_buffer_resource reused_monotonic;
  r.monotonic_reused = bench::best_seconds(repeats, [&] {
    for (std::size_t i = 0; i < object_count; ++i) {
      auto* p = static_cast<unsigned char*>(reused_monotonic.allocate(sizes[i], 8));
      *p = static_cast<unsigned char>(i);
      bench::keep(p);
    }
    reused_monotonic.release();
  });
  r.arena_fixed = bench::best_seconds(repeats, [&] {
    sluice::arena memory(buffer.data(), buffer.size());
    for (std::size_t i = 0; i < object_count; ++i) {
      auto* p = static_cast<unsigned char*>(memory.allocate(sizes[i], 8));
      *p = static_cast<unsigned char>(i);
      bench::keep(p);
    }
  });
  r.monotonic_fixed = bench::best_seconds(repeats, [&] {
    std::pmr::monotonic_buffer_resource memory(buffer.data(), buffer.size(),
                                               std::pmr::null_memory_resource());
    for (std::size_t i = 0; i < object_count; ++i) {
      auto* p = static_cast<unsigned char*>(memory.allocate(sizes[i], 8));
      *p = static_cast<unsigned char>(i);
      bench::keep(p);
    }
  });
  r.malloc_free = bench::best_seconds(repeats, [&] {
    for (std::size_t i = 0; i < object_count; ++i) {
      auto* p = static_cast<unsigned char*>(std::malloc(sizes[i]));
      *p = static_cast<unsigned char>(i);
      pointers[i] = p;
    }
    bench::clobber();
    for (std::size_t i = 0; i < object_count; ++i) std::free(pointers[i]);
  });
  return r;
}

// Many short vectors grown by push_back, then all dropped.
template <class Allocator, class MakeAllocator, class Reset>
double vectors(MakeAllocator make, Reset reset) {
  return bench::best_seconds(repeats, [&] {
    using vector = std::vector<std::uint32_t, Allocator>;
    std::uint64_t sum = 0;
    for (int round = 0; round < 64; ++round) {
      {
        std::vector<vector> outer;
        outer.reserve(4096);
        for (std::uint32_t v = 0; v < 4096; ++v) {
          outer.emplace_back(make());
          vector& inner = outer.back();
          for (std::uint32_t k = 0; k < (v % 61) + 3; ++k) inner.push_back(k ^ v);
          sum += inner.back();
        }
      }
      reset();
    }
    bench::keep(sum);
  });
}

// A node-based hash map built, probed and dropped.
template <class Allocator, class MakeAllocator, class Reset>
double hash_maps(MakeAllocator make, Reset reset) {
  return bench::best_seconds(repeats, [&] {
    using map = std::unordered_map<std::uint64_t, std::uint64_t, std::hash<std::uint64_t>,
                                   std::equal_to<std::uint64_t>, Allocator>;
    std::uint64_t sum = 0;
    for (int round = 0; round < 8; ++round) {
      {
        map m(16, std::hash<std::uint64_t>(), std::equal_to<std::uint64_t>(), make());
        for (std::uint64_t k = 0; k < 50000; ++k) m.emplace(k * 0x9E3779B97F4A7C15ull, k);
        for (std::uint64_t k = 0; k < 50000; k += 3) sum += m.find(k * 0x9E3779B97F4A7C15ull)->second;
      }
      reset();
    }
    bench::keep(sum);
  });
}

}  // namespace

int main(int argc, char** argv) {
  bench::report report("sluice::arena", argc, argv);
  const auto sizes = make_sizes();
  small_object_results r = small_objects(sizes);
  const char* unit = "M allocs/s";
  auto add_group = [&](const char* workload, double arena, double monotonic) {
    report.add({workload, "malloc/free", millions_per_second(r.malloc_free), unit, 0, ""});
    report.add({workload, "pmr::monotonic_buffer_resource", millions_per_second(monotonic), unit,
                0, ""});
    report.add({workload, "sluice::arena vs monotonic", millions_per_second(arena), unit,
                monotonic / arena, ">= 1.0"});
    report.add({workload, "sluice::arena vs malloc", millions_per_second(arena), unit,
                r.malloc_free / arena, ">= 5"});
  };
  add_group("1M x 16-64 B, caller's buffer", r.arena_fixed, r.monotonic_fixed);
  add_group("1M x 16-64 B, heap, fresh resource", r.arena_heap, r.monotonic_heap);
  add_group("1M x 16-64 B, heap, reused (reset/release)", r.arena_reused, r.monotonic_reused);

  using std_vector_alloc = std::allocator<std::uint32_t>;
  using arena_vector_alloc = sluice::arena_allocator<std::uint32_t>;
  sluice::arena memory;
  const double vector_std = vectors<std_vector_alloc>([] { return std_vector_alloc(); }, [] {});
  const double vector_arena = vectors<arena_vector_alloc>(
      [&] { return arena_vector_alloc(memory); }, [&] { memory.reset(); });
  const char* vector_workload = "64 x 4096 vectors, 3-63 push_backs";
  report.add({vector_workload, "std::allocator", vector_std * 1e3, "ms", 0, ""});
  report.add({vector_workload, "arena_allocator", vector_arena * 1e3, "ms",
              vector_std / vector_arena, "(speed-up)"});

  using pair = std::pair<const std::uint64_t, std::uint64_t>;
  const double map_std = hash_maps<std::allocator<pair>>([] { return std::allocator<pair>(); }, [] {});
  const double map_arena = hash_maps<sluice::arena_allocator<pair>>(
      [&] { return sluice::arena_allocator<pair>(memory); }, [&] { memory.reset(); });
  const char* map_workload = "8 x unordered_map, 50k inserts + 17k finds";
  report.add({map_workload, "std::allocator", map_std * 1e3, "ms", 0, ""});
  report.add({map_workload, "arena_allocator", map_arena * 1e3, "ms", map_std / map_arena,
              "(speed-up)"});
  return report.finish();
}
