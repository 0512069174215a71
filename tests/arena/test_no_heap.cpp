// Proof that an arena over a fixed buffer never touches the heap: this file replaces the
// global operator new/delete with counting forwarders to malloc/free (transparent for the
// rest of the test program, and compatible with sanitizers), and where glibc can report heap
// usage (mallinfo2) it also shows that malloc is never reached.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <list>
#include <memory_resource>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include <sluice/arena.hpp>

#include "catch_shim.hpp"

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define ARENA_TEST_HAS_MALLINFO2() 1
#else
#define ARENA_TEST_HAS_MALLINFO2() 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_TEST_SANITIZED_HEAP() 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define ARENA_TEST_SANITIZED_HEAP() 1
#endif
#endif
#ifndef ARENA_TEST_SANITIZED_HEAP
#define ARENA_TEST_SANITIZED_HEAP() 0
#endif

// ThreadSanitizer's runtime defines the global operator new/delete itself, so a second
// definition cannot link: under TSan this file compiles to nothing (the other sanitizer and
// plain builds run it).
#if defined(__SANITIZE_THREAD__)
#define ARENA_TEST_REPLACES_NEW() 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ARENA_TEST_REPLACES_NEW() 0
#endif
#endif
#ifndef ARENA_TEST_REPLACES_NEW
#define ARENA_TEST_REPLACES_NEW() 1
#endif

#if ARENA_TEST_REPLACES_NEW()

namespace {

// Per thread, so that other threads of the test program cannot disturb a measurement.
thread_local std::size_t global_new_calls = 0;

void* counted_allocate(std::size_t bytes, std::size_t alignment, bool may_throw) {
  ++global_new_calls;
  if (bytes == 0) bytes = 1;
  for (;;) {
    void* memory = nullptr;
    if (alignment <= alignof(std::max_align_t)) {
      memory = std::malloc(bytes);
    } else if (posix_memalign(&memory, alignment, bytes) != 0) {
      memory = nullptr;
    }
    if (memory != nullptr) return memory;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) {
      if (!may_throw) return nullptr;
#if SLUICE_HAS_EXCEPTIONS()
      throw std::bad_alloc();
#else
      std::abort();
#endif
    }
    handler();
  }
}

}  // namespace

void* operator new(std::size_t bytes) { return counted_allocate(bytes, 0, true); }
void* operator new[](std::size_t bytes) { return counted_allocate(bytes, 0, true); }
void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept {
  return counted_allocate(bytes, 0, false);
}
void* operator new[](std::size_t bytes, const std::nothrow_t&) noexcept {
  return counted_allocate(bytes, 0, false);
}
void* operator new(std::size_t bytes, std::align_val_t alignment) {
  return counted_allocate(bytes, static_cast<std::size_t>(alignment), true);
}
void* operator new[](std::size_t bytes, std::align_val_t alignment) {
  return counted_allocate(bytes, static_cast<std::size_t>(alignment), true);
}
void* operator new(std::size_t bytes, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return counted_allocate(bytes, static_cast<std::size_t>(alignment), false);
}
void* operator new[](std::size_t bytes, std::align_val_t alignment,
                     const std::nothrow_t&) noexcept {
  return counted_allocate(bytes, static_cast<std::size_t>(alignment), false);
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete(void* memory, const std::nothrow_t&) noexcept { std::free(memory); }
void operator delete[](void* memory, const std::nothrow_t&) noexcept { std::free(memory); }
void operator delete(void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t, std::align_val_t) noexcept {
  std::free(memory);
}
void operator delete(void* memory, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(memory);
}
void operator delete[](void* memory, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(memory);
}

namespace {

// Bytes in use in glibc's main heap, or 0 where that cannot be observed.
std::size_t heap_bytes_in_use() {
#if ARENA_TEST_HAS_MALLINFO2()
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
#else
  return 0;
#endif
}

int destruction_order[8];
int destruction_count = 0;

struct logged {
  explicit logged(int identity) noexcept : id(identity) {}
  logged(const logged&) = delete;
  logged& operator=(const logged&) = delete;
  ~logged() { destruction_order[destruction_count++] = id; }
  int id;
};

struct results {
  bool all_aligned = true;
  bool all_succeeded = true;
  bool exhaustion_reported = false;
  bool copies_correct = false;
  std::size_t used_after_rewind = 1;
  std::size_t used_after_reset = 1;
  std::size_t map_sum = 0;
  std::size_t vector_sum = 0;
  std::size_t pmr_sum = 0;
  std::size_t moved_used = 0;
};

struct alignas(64) wide {
  unsigned char bytes[64];
};

// Every entry point of the fixed-buffer API, with no Catch2 macro inside (those allocate).
void exercise_fixed_arena(unsigned char* buffer, std::size_t size, results& out) {
  using sluice::arena;
  using sluice::arena_allocator;
  arena memory(buffer, size);
  auto check = [&out](const void* p, std::size_t alignment) {
    if (p == nullptr) out.all_succeeded = false;
    else if (reinterpret_cast<std::uintptr_t>(p) % alignment != 0) out.all_aligned = false;
  };
  for (std::size_t alignment = 1; alignment <= 4096; alignment *= 2)
    check(memory.allocate(alignment * 3 + 1, alignment), alignment);
  check(memory.allocate(0), alignof(std::max_align_t));
  check(memory.allocate(24), alignof(std::max_align_t));
  check(memory.allocate_array<std::uint64_t>(10), alignof(std::uint64_t));
  check(memory.create<wide>(), 64);
  out.exhaustion_reported = memory.allocate(size) == nullptr &&
                            memory.copy(std::string_view(reinterpret_cast<char*>(buffer), size))
                                    .data() == nullptr &&
                            memory.allocate(SIZE_MAX - 8, 4096) == nullptr;

  arena::marker before = memory.mark();
  const std::size_t used_at_mark = memory.used();
  check(memory.create<logged>(1), alignof(logged));
  check(memory.create<logged>(2), alignof(logged));
  std::string_view hello = memory.copy("hello, arena");
  std::string_view empty = memory.copy("");
  out.copies_correct = hello == "hello, arena" && empty.data() != nullptr && empty.empty();
  memory.rewind(before);  // destroys 2 then 1
  out.used_after_rewind = memory.used() - used_at_mark;

  {
    std::vector<int, arena_allocator<int>> numbers{arena_allocator<int>(memory)};
    for (int i = 0; i < 1000; ++i) numbers.push_back(i);
    for (int n : numbers) out.vector_sum += static_cast<std::size_t>(n);

    using map_allocator = arena_allocator<std::pair<const int, int>>;
    std::unordered_map<int, int, std::hash<int>, std::equal_to<int>, map_allocator> squares{
        map_allocator(memory)};
    for (int i = 0; i < 500; ++i) squares.emplace(i, i * i);
    for (const auto& entry : squares) out.map_sum += static_cast<std::size_t>(entry.second);

    std::list<int, arena_allocator<int>> linked{arena_allocator<int>(memory)};
    linked.assign(100, 3);
    using arena_string = std::basic_string<char, std::char_traits<char>, arena_allocator<char>>;
    arena_string text("a string far too long for the small string buffer",
                      arena_allocator<char>(memory));
    text += text;

    sluice::arena_resource resource(memory);
    std::pmr::vector<std::pmr::string> words(&resource);
    for (int i = 0; i < 50; ++i) words.emplace_back("another string too long for small storage");
    std::pmr::unordered_map<int, int> pmr_map(&resource);
    for (int i = 0; i < 100; ++i) pmr_map[i] = i;
    for (const auto& entry : pmr_map) out.pmr_sum += static_cast<std::size_t>(entry.second);
  }

  check(memory.create<logged>(3), alignof(logged));
  arena moved(std::move(memory));
  arena assigned(nullptr, 0);
  assigned = std::move(moved);
  out.moved_used = assigned.used();
  assigned.reset();  // destroys 3
  out.used_after_reset = assigned.used();
  check(assigned.allocate(100), alignof(std::max_align_t));
  assigned.release();
}

}  // namespace

TEST_CASE("a fixed-buffer arena never calls operator new or malloc", "[arena]") {
  alignas(64) static unsigned char buffer[1 << 20];

  // The counters must be able to see a heap call at all.
  void* (*volatile raw_new)(std::size_t) = &::operator new;
  std::size_t calls_before = global_new_calls;
  std::size_t heap_before = heap_bytes_in_use();
  void* probe = raw_new(4096);
  const bool new_is_counted = global_new_calls == calls_before + 1;
  const bool heap_is_observable = heap_bytes_in_use() > heap_before;
  ::operator delete(probe);
  REQUIRE(new_is_counted);

  results out;
  destruction_count = 0;
  calls_before = global_new_calls;
  heap_before = heap_bytes_in_use();
  exercise_fixed_arena(buffer, sizeof buffer, out);
  const std::size_t calls = global_new_calls - calls_before;
  const std::size_t heap_growth = heap_bytes_in_use() - heap_before;

  CHECK(calls == 0);
  CHECK(heap_growth == 0);
  CHECK(out.all_succeeded);
  CHECK(out.all_aligned);
  CHECK(out.exhaustion_reported);
  CHECK(out.copies_correct);
  CHECK(out.used_after_rewind == 0);
  CHECK(out.vector_sum == 999u * 1000u / 2u);
  CHECK(out.map_sum == 41541750u);  // sum of squares 0..499
  CHECK(out.pmr_sum == 4950u);
  CHECK(out.moved_used > 0);
  CHECK(out.used_after_reset == 0);
  REQUIRE(destruction_count == 3);
  CHECK(destruction_order[0] == 2);
  CHECK(destruction_order[1] == 1);
  CHECK(destruction_order[2] == 3);

  // Control: a heap-backed arena reaches malloc (seen when glibc can report it), yet never
  // operator new.
  calls_before = global_new_calls;
  heap_before = heap_bytes_in_use();
  bool heap_allocation_succeeded = false;
  std::size_t heap_growth_while_alive = 0;
  {
    sluice::arena heap_memory;
    heap_allocation_succeeded = heap_memory.allocate(100) != nullptr;
    heap_growth_while_alive = heap_bytes_in_use() - heap_before;
  }
  const std::size_t heap_arena_new_calls = global_new_calls - calls_before;
  CHECK(heap_allocation_succeeded);
  CHECK(heap_arena_new_calls == 0);
  // The default first block is SLUICE_ARENA_FIRST_BLOCK_BYTES() (4096) bytes.
  if (heap_is_observable) CHECK(heap_growth_while_alive >= SLUICE_ARENA_FIRST_BLOCK_BYTES());
  // With glibc's own malloc the heap check above is not vacuous (a sanitizer's allocator
  // bypasses glibc's heap statistics, so there only the operator new count remains).
  if (ARENA_TEST_HAS_MALLINFO2() && !ARENA_TEST_SANITIZED_HEAP()) CHECK(heap_is_observable);
}

#endif  // ARENA_TEST_REPLACES_NEW()
