// sluice/arena.hpp: arena (bump) allocation with a hard memory budget and a no-heap mode.
//
// An arena hands out memory by bumping a pointer and frees it all at once: at reset(), at
// rewind() to an earlier mark(), or when the arena is destroyed. Guarantees:
// - reserved() <= budget() at every moment, block headers included; allocation past the
//   budget returns nullptr instead of growing.
// - An arena over a caller's buffer never touches the heap (no operator new, no malloc).
// - Objects made with create() are destroyed in reverse order of creation.
// - Never throws (except arena_allocator/arena_resource, see SLUICE_ARENA_EXHAUSTED()), no
//   RTTI; thread-compatible: use one arena per thread, or lock around it.
//
//   alignas(std::max_align_t) static unsigned char buffer[64 << 20];
//   sluice::arena memory(buffer, sizeof buffer);          // never calls malloc
//   auto* order = memory.create<order_row>(42, "spot");   // nullptr when full
//   std::string_view name = memory.copy(incoming_name);   // name.data() == nullptr when full
//   std::vector<int, sluice::arena_allocator<int>> ids{sluice::arena_allocator<int>(memory)};
//   memory.reset();                                       // destroys order_row, frees all
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

#include "sluice/detail/arena_internals.hpp"
#include "sluice/detail/config.hpp"

// 1 when <memory_resource> is available, so that arena_resource is defined.
#ifndef SLUICE_ARENA_HAS_MEMORY_RESOURCE
#if __has_include(<memory_resource>)
#define SLUICE_ARENA_HAS_MEMORY_RESOURCE() 1
#else
#define SLUICE_ARENA_HAS_MEMORY_RESOURCE() 0
#endif
#endif

#if SLUICE_ARENA_HAS_MEMORY_RESOURCE()
#include <memory_resource>
#endif

SLUICE_NAMESPACE_BEGIN

// A region of memory with one lifetime. Either heap-backed (blocks from std::malloc, growing
// geometrically, capped by a budget) or over a fixed caller-owned buffer (never the heap).
class arena {
 public:
  // Heap bytes each heap block spends on its header; count it when sizing a budget.
  static constexpr std::size_t block_overhead = detail::arena_block_header_bytes;
  // Bytes of arena memory (counted in used()) that create() spends per object with a
  // non-trivial destructor, to run that destructor later.
  static constexpr std::size_t destructor_overhead = sizeof(detail::arena_destructor_record);

  // A saved allocation state; rewind(m) returns the arena to it. Valid until the arena is
  // reset, released, moved, or rewound to an earlier marker.
  struct marker {
   private:
    friend class arena;
    detail::arena_block* head_;
    char* cursor_;
    char* limit_;
    std::size_t used_;
    detail::arena_destructor_record* destructors_;
  };

  // Heap-backed without a budget. No heap memory is touched until the first allocation.
  arena() noexcept : arena(SLUICE_ARENA_FIRST_BLOCK_BYTES()) {}

  // Heap-backed: the first block is `first_block_bytes` (header included, at least 64, at
  // most PTRDIFF_MAX), later blocks double up to SLUICE_ARENA_MAX_BLOCK_BYTES(); the total
  // obtained from the heap never exceeds `budget_bytes`.
  explicit arena(std::size_t first_block_bytes, std::size_t budget_bytes = SIZE_MAX) noexcept
      : budget_(budget_bytes),
        next_block_bytes_(first_block_bytes < detail::arena_minimum_block_bytes
                              ? detail::arena_minimum_block_bytes
                          : first_block_bytes > detail::arena_largest_block_bytes
                              ? detail::arena_largest_block_bytes
                              : first_block_bytes),
        max_block_bytes_(next_block_bytes_ > SLUICE_ARENA_MAX_BLOCK_BYTES()
                             ? next_block_bytes_
                             : SLUICE_ARENA_MAX_BLOCK_BYTES()) {}

  // Over the caller's buffer, which must outlive the arena. Never touches the heap; budget(),
  // reserved() and peak() all equal `size`. The buffer needs no particular alignment.
  arena(void* buffer, std::size_t size) noexcept
      : cursor_(static_cast<char*>(buffer)),
        limit_(buffer == nullptr ? cursor_ : cursor_ + size),
        reserved_(buffer == nullptr ? 0 : size),
        peak_(reserved_),
        budget_(reserved_),
        buffer_(cursor_),
        fixed_(true) {}

  // Moving transfers every allocation and registered destructor. The moved-from arena is left
  // empty: a heap-backed one keeps its settings, a fixed one has an empty buffer.
  arena(arena&& other) noexcept { take(other); }
  arena& operator=(arena&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  arena(const arena&) = delete;
  arena& operator=(const arena&) = delete;

  ~arena() { release(); }

  // `bytes` of uninitialized memory aligned to `alignment` (a power of two; any size the
  // budget can hold, e.g. 4096 for pages). nullptr when the budget or buffer is exhausted or
  // when the alignment is not a power of two. A request no heap block could serve
  // (bytes + alignment + block_overhead > PTRDIFF_MAX) never reaches the heap: nullptr,
  // whatever the budget.
  // A zero-byte request is served as a one-byte request: a distinct, non-null pointer.
  [[nodiscard]] void* allocate(std::size_t bytes,
                               std::size_t alignment = alignof(std::max_align_t)) noexcept {
    bytes += static_cast<std::size_t>(bytes == 0);
    if (SLUICE_UNLIKELY(!detail::arena_is_power_of_two(alignment))) return nullptr;
    const std::size_t padding = detail::arena_padding(cursor_, alignment);
    const auto available = static_cast<std::size_t>(limit_ - cursor_);
    if (SLUICE_LIKELY(bytes <= available && padding <= available - bytes)) {
      char* result = cursor_ + padding;
      cursor_ = result + bytes;
      used_ += bytes;
      return result;
    }
    return allocate_slow(bytes, alignment);
  }

  // Uninitialized, suitably aligned storage for `count` objects of type T; nullptr when
  // exhausted or when count * sizeof(T) overflows.
  template <class T>
  [[nodiscard]] T* allocate_array(std::size_t count) noexcept {
    if (count > SIZE_MAX / sizeof(T)) return nullptr;
    return static_cast<T*>(allocate(count * sizeof(T), alignof(T)));
  }

  // Constructs a T in the arena from `args` (parentheses, or braces for aggregates).
  // nullptr when exhausted. A non-trivially-destructible T is destroyed at reset(), release(),
  // rewind() past it and destruction of the arena, in reverse order of creation; that costs
  // destructor_overhead more bytes. If T's constructor throws, the arena is left as before.
  template <class T, class... Args>
  T* create(Args&&... args) noexcept(std::is_nothrow_constructible<T, Args...>::value) {
    static_assert(std::is_object<T>::value && !std::is_array<T>::value,
                  "create makes one object; use allocate_array for arrays");
    if constexpr (std::is_trivially_destructible<T>::value) {
      if constexpr (std::is_nothrow_constructible<T, Args...>::value) {
        void* memory = allocate(sizeof(T), alignof(T));
        if (memory == nullptr) return nullptr;
        return construct<T>(memory, std::forward<Args>(args)...);
      } else {
        rewind_on_unwind guard{*this, mark()};
        void* memory = allocate(sizeof(T), alignof(T));
        if (memory == nullptr) return nullptr;
        T* object = construct<T>(memory, std::forward<Args>(args)...);
        guard.armed = false;
        return object;
      }
    } else {
      const marker before = mark();
      void* record = allocate(sizeof(detail::arena_destructor_record),
                              alignof(detail::arena_destructor_record));
      void* memory = record == nullptr ? nullptr : allocate(sizeof(T), alignof(T));
      if (memory == nullptr) {
        rewind(before);
        return nullptr;
      }
      T* object;
      if constexpr (std::is_nothrow_constructible<T, Args...>::value) {
        object = construct<T>(memory, std::forward<Args>(args)...);
      } else {
        rewind_on_unwind guard{*this, before};
        object = construct<T>(memory, std::forward<Args>(args)...);
        guard.armed = false;
      }
      destructors_ = ::new (record)
          detail::arena_destructor_record{&detail::arena_destroy<T>, object, destructors_};
      return object;
    }
  }

  // Copies `bytes` into the arena. On exhaustion returns an empty view whose data() is
  // nullptr; copying an empty view always succeeds and returns a non-null data() (not
  // necessarily inside the arena), so `result.data() == nullptr` means exactly "failed".
  [[nodiscard]] std::string_view copy(std::string_view bytes) noexcept {
    if (bytes.empty()) return std::string_view("", 0);
    void* memory = allocate(bytes.size(), 1);
    if (memory == nullptr) return std::string_view();
    std::memcpy(memory, bytes.data(), bytes.size());
    return std::string_view(static_cast<const char*>(memory), bytes.size());
  }

  // The current allocation state, for a later rewind().
  [[nodiscard]] marker mark() const noexcept {
    marker m;
    m.head_ = head_;
    m.cursor_ = cursor_;
    m.limit_ = limit_;
    m.used_ = used_;
    m.destructors_ = destructors_;
    return m;
  }

  // Frees everything allocated since `m` was taken: runs the destructors registered since
  // then (newest first) and returns the blocks obtained since then to the heap, so used() and
  // reserved() are back to their values at mark(). `m` must be valid (see marker).
  void rewind(marker m) noexcept {
    assert(m.used_ <= used_);
    run_destructors_until(m.destructors_);
    release_blocks_until(m.head_);
    cursor_ = m.cursor_;
    limit_ = m.limit_;
    used_ = m.used_;
  }

  // Frees everything (destructors first, newest first) but keeps the largest heap block no
  // larger than the largest block size for reuse, so a steady workload stops calling malloc.
  // Invalidates all markers.
  void reset() noexcept {
    run_destructors_until(nullptr);
    used_ = 0;
    if (fixed_) {
      cursor_ = buffer_;
      return;
    }
    detail::arena_block* keep = nullptr;
    for (detail::arena_block* block = head_; block != nullptr;) {
      detail::arena_block* previous = block->previous;
      if (block->size <= max_block_bytes_ && (keep == nullptr || block->size > keep->size)) {
        if (keep != nullptr) release_block(keep);
        keep = block;
      } else {
        release_block(block);
      }
      block = previous;
    }
    head_ = keep;
    if (keep == nullptr) {
      cursor_ = limit_ = nullptr;
      return;
    }
    keep->previous = nullptr;
    cursor_ = payload(keep);
    limit_ = reinterpret_cast<char*>(keep) + keep->size;
  }

  // Like reset(), but returns every heap block, the kept one included.
  void release() noexcept {
    run_destructors_until(nullptr);
    release_blocks_until(nullptr);
    used_ = 0;
    cursor_ = fixed_ ? buffer_ : nullptr;
    if (!fixed_) limit_ = nullptr;
  }

  // Bytes handed out: the sum of requested sizes (a zero-byte request counts one) plus
  // destructor_overhead per registered destructor. Alignment padding is not counted.
  std::size_t used() const noexcept { return used_; }
  // Bytes obtained from the heap (headers included) or the size of the fixed buffer.
  std::size_t reserved() const noexcept { return reserved_; }
  // The highest reserved() ever.
  std::size_t peak() const noexcept { return peak_; }
  // The cap on reserved(); SIZE_MAX when unlimited, the buffer size in fixed mode.
  std::size_t budget() const noexcept { return budget_; }
  // Moves the cap of a heap-backed arena, for one that shares a budget with memory beside it
  // (an index that grows, say). False, and nothing changed, when `budget_bytes` is below
  // reserved() or the arena works inside a caller's buffer.
  bool set_budget(std::size_t budget_bytes) noexcept {
    if (fixed_ || budget_bytes < reserved_) return false;
    budget_ = budget_bytes;
    return true;
  }
  // True when the arena works inside a caller's buffer and never touches the heap.
  bool is_fixed() const noexcept { return fixed_; }

 private:
  // Undoes a create() whose constructor throws.
  struct rewind_on_unwind {
    arena& owner;
    marker before;
    bool armed = true;
    ~rewind_on_unwind() {
      if (armed) owner.rewind(before);
    }
  };

  template <class T, class... Args>
  static T* construct(void* memory, Args&&... args) {
    if constexpr (std::is_constructible<T, Args...>::value)
      return ::new (memory) T(std::forward<Args>(args)...);
    else
      return ::new (memory) T{std::forward<Args>(args)...};
  }

  static char* payload(detail::arena_block* block) noexcept {
    return reinterpret_cast<char*>(block) + block_overhead;
  }

  SLUICE_NOINLINE void* allocate_slow(std::size_t bytes, std::size_t alignment) noexcept {
    if (fixed_) return nullptr;
    if (detail::arena_request_too_large(bytes, alignment)) return nullptr;
    // Worst-case padding on a fresh block, whose payload is aligned like malloc's memory.
    const std::size_t slack =
        alignment > detail::arena_heap_alignment ? alignment - detail::arena_heap_alignment : 0;
    const std::size_t needed = block_overhead + slack + bytes;
    const std::size_t remaining = budget_ - reserved_;
    if (needed > remaining) return nullptr;

    if (needed > next_block_bytes_ / 2) {
      // Large request: a block of its own; keep bumping in the current block.
      detail::arena_block* block = obtain_block(needed);
      if (block == nullptr) return nullptr;
      char* start = payload(block);
      char* result = start + detail::arena_padding(start, alignment);
      if (static_cast<std::size_t>(result - start) + bytes > needed - block_overhead) {
        undo_obtain(block);  // malloc returned less alignment than it promises
        return nullptr;
      }
      used_ += bytes;
      return result;
    }

    const std::size_t size = next_block_bytes_ < remaining ? next_block_bytes_ : remaining;
    detail::arena_block* block = obtain_block(size);
    if (block == nullptr) return nullptr;
    char* start = payload(block);
    char* end = reinterpret_cast<char*>(block) + size;
    char* result = start + detail::arena_padding(start, alignment);
    if (result > end || static_cast<std::size_t>(end - result) < bytes) {
      undo_obtain(block);
      return nullptr;
    }
    next_block_bytes_ = next_block_bytes_ > max_block_bytes_ / 2 ? max_block_bytes_
                                                                  : next_block_bytes_ * 2;
    cursor_ = result + bytes;
    limit_ = end;
    used_ += bytes;
    return result;
  }

  detail::arena_block* obtain_block(std::size_t size) noexcept {
    void* raw = detail::arena_heap_obtain(size);
    if (raw == nullptr) return nullptr;
    auto* block = ::new (raw) detail::arena_block{head_, size};
    head_ = block;
    reserved_ += size;
    if (reserved_ > peak_) peak_ = reserved_;
    return block;
  }

  void undo_obtain(detail::arena_block* block) noexcept {
    head_ = block->previous;
    release_block(block);
  }

  void release_block(detail::arena_block* block) noexcept {
    reserved_ -= block->size;
    detail::arena_heap_release(block, block->size);
  }

  void release_blocks_until(detail::arena_block* stop) noexcept {
    while (head_ != stop) {
      detail::arena_block* block = head_;
      head_ = block->previous;
      release_block(block);
    }
  }

  void run_destructors_until(detail::arena_destructor_record* stop) noexcept {
    while (destructors_ != stop) {
      detail::arena_destructor_record* record = destructors_;
      destructors_ = record->previous;
      record->destroy(record->object);
    }
  }

  void take(arena& other) noexcept {
    cursor_ = other.cursor_;
    limit_ = other.limit_;
    used_ = other.used_;
    head_ = other.head_;
    destructors_ = other.destructors_;
    reserved_ = other.reserved_;
    peak_ = other.peak_;
    budget_ = other.budget_;
    next_block_bytes_ = other.next_block_bytes_;
    max_block_bytes_ = other.max_block_bytes_;
    buffer_ = other.buffer_;
    fixed_ = other.fixed_;
    other.cursor_ = other.limit_ = other.buffer_ = nullptr;
    other.used_ = 0;
    other.head_ = nullptr;
    other.destructors_ = nullptr;
    other.reserved_ = other.peak_ = 0;
    if (other.fixed_) other.budget_ = 0;
  }

  char* cursor_ = nullptr;  // next free byte of the current block or buffer
  char* limit_ = nullptr;   // end of the current block or buffer
  std::size_t used_ = 0;
  detail::arena_block* head_ = nullptr;  // newest heap block
  detail::arena_destructor_record* destructors_ = nullptr;  // newest record
  std::size_t reserved_ = 0;
  std::size_t peak_ = 0;
  std::size_t budget_ = SIZE_MAX;
  std::size_t next_block_bytes_ = 0;
  std::size_t max_block_bytes_ = 0;
  char* buffer_ = nullptr;  // fixed mode: start of the caller's buffer
  bool fixed_ = false;
};

// A standard Allocator over an arena, so standard containers can live in one. deallocate()
// is a no-op: memory returns at reset()/rewind()/destruction of the arena, which must outlive
// every container using it. Allocators compare equal when they use the same arena.
// Like std::pmr::polymorphic_allocator, it never propagates on copy/move assignment or swap:
// a container stays in the arena it was built with (assigning between arenas copies elements;
// swapping containers of different arenas is not allowed, as for std::pmr). Copy-constructing
// a container keeps the source's arena. When the arena is exhausted allocate() cannot return
// nullptr; it runs SLUICE_ARENA_EXHAUSTED() (std::bad_alloc, or std::abort() without
// exceptions).
template <class T>
class arena_allocator {
 public:
  using value_type = T;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using propagate_on_container_copy_assignment = std::false_type;
  using propagate_on_container_move_assignment = std::false_type;
  using propagate_on_container_swap = std::false_type;
  using is_always_equal = std::false_type;
  template <class U>
  struct rebind {
    using other = arena_allocator<U>;
  };

  explicit arena_allocator(arena& memory) noexcept : arena_(&memory) {}
  template <class U>
  arena_allocator(const arena_allocator<U>& other) noexcept : arena_(&other.backing_arena()) {}

  [[nodiscard]] T* allocate(std::size_t count) {
    T* memory = arena_->allocate_array<T>(count);
    if (SLUICE_UNLIKELY(memory == nullptr)) detail::arena_exhausted();
    return memory;
  }
  void deallocate(T*, std::size_t) noexcept {}
  std::size_t max_size() const noexcept { return SIZE_MAX / sizeof(T); }

  arena_allocator select_on_container_copy_construction() const noexcept { return *this; }

  // The arena this allocator draws from.
  arena& backing_arena() const noexcept { return *arena_; }

 private:
  arena* arena_;
};

template <class T, class U>
bool operator==(const arena_allocator<T>& a, const arena_allocator<U>& b) noexcept {
  return &a.backing_arena() == &b.backing_arena();
}
template <class T, class U>
bool operator!=(const arena_allocator<T>& a, const arena_allocator<U>& b) noexcept {
  return !(a == b);
}

#if SLUICE_ARENA_HAS_MEMORY_RESOURCE()
// A std::pmr::memory_resource over an arena, for std::pmr containers. Deallocation is a
// no-op; exhaustion runs SLUICE_ARENA_EXHAUSTED() like arena_allocator. Without RTTI two
// resources cannot be told apart by type, so a resource is equal only to itself.
class arena_resource final : public std::pmr::memory_resource {
 public:
  explicit arena_resource(arena& memory) noexcept : arena_(&memory) {}
  arena_resource(const arena_resource&) = delete;
  arena_resource& operator=(const arena_resource&) = delete;

  // The arena this resource draws from.
  arena& backing_arena() const noexcept { return *arena_; }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    void* memory = arena_->allocate(bytes, alignment);
    if (SLUICE_UNLIKELY(memory == nullptr)) detail::arena_exhausted();
    return memory;
  }
  void do_deallocate(void*, std::size_t, std::size_t) override {}
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  arena* arena_;
};
#endif

SLUICE_NAMESPACE_END
