// Little-endian binary encoding for sluice's formats (dead letters, checkpoints): a writer
// into any byte sink and a bounds-checked reader that reports truncation instead of reading
// past the end. Byte order is fixed (little-endian) on every host, s390x included, and no
// value is ever loaded through a cast pointer.
//
// A format built on these (see encode() in sluice/dead_letter.hpp) writes a magic and a version
// first, then fields, then the writer's running crc32c(); its reader checks the magic and
// version, checks the CRC over the bytes before it, reads the fields, and calls at_end():
//
//   std::string out;
//   sluice::detail::byte_writer writer(out);
//   writer.u32(0x4B504843u); writer.u8(1); writer.prefixed("orders"); writer.u32(writer.crc());
//   sluice::detail::byte_reader reader(out);
//   auto magic = reader.u32(); auto version = reader.u8(); auto name = reader.prefixed();
//   if (!reader.ok()) { /* truncated: report CHECKPOINT_CORRUPT */ }
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/detail/config.hpp"
#include "sluice/detail/crc32c.hpp"

SLUICE_NAMESPACE_BEGIN
namespace detail {

// Appends bytes to a sink: a std::string, a std::vector of a byte type, or any function
// object callable as sink(const void* data, std::size_t size). Keeps a running CRC32C and a
// count of everything written.
template <class Sink>
class byte_writer {
 public:
  explicit byte_writer(Sink& sink) noexcept : sink_(sink) {}

  void u8(std::uint8_t v) { raw(&v, 1); }
  void u16(std::uint16_t v) { put_le(v, 2); }
  void u32(std::uint32_t v) { put_le(v, 4); }
  void u64(std::uint64_t v) { put_le(v, 8); }
  void i32(std::int32_t v) { put_le(static_cast<std::uint32_t>(v), 4); }
  void i64(std::int64_t v) { put_le(static_cast<std::uint64_t>(v), 8); }

  // Unsigned LEB128: 1 byte below 128, at most 10 bytes.
  void varint(std::uint64_t v) {
    unsigned char buffer[10] = {};
    std::size_t n = 0;
    while (v >= 0x80u) {
      buffer[n++] = static_cast<unsigned char>(v | 0x80u);
      v >>= 7;
    }
    buffer[n++] = static_cast<unsigned char>(v);
    raw(buffer, n);
  }

  // Zigzag-mapped LEB128, so small negative numbers stay short.
  void svarint(std::int64_t v) {
    varint((static_cast<std::uint64_t>(v) << 1) ^ (v < 0 ? ~std::uint64_t{0} : std::uint64_t{0}));
  }

  // A varint length, then the bytes.
  void prefixed(std::string_view bytes) {
    varint(bytes.size());
    raw(bytes.data(), bytes.size());
  }

  void raw(const void* data, std::size_t size) {
    if (size == 0) return;
    crc_ = crc32c(data, size, crc_);
    written_ += size;
    append(data, size);
  }

  // CRC32C of every byte written so far.
  std::uint32_t crc() const noexcept { return crc_; }
  std::uint64_t written() const noexcept { return written_; }

 private:
  void put_le(std::uint64_t v, std::size_t size) {
    unsigned char buffer[8] = {};
    for (std::size_t i = 0; i < size; ++i) buffer[i] = static_cast<unsigned char>(v >> (8 * i));
    raw(buffer, size);
  }

  void append(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    if constexpr (std::is_same_v<Sink, std::string>) {
      sink_.append(reinterpret_cast<const char*>(bytes), size);
    } else if constexpr (std::is_invocable_v<Sink&, const void*, std::size_t>) {
      sink_(static_cast<const void*>(bytes), size);
    } else {
      using element = typename Sink::value_type;
      static_assert(sizeof(element) == 1, "a byte_writer sink holds bytes");
      std::size_t old = sink_.size();
      sink_.resize(old + size);
      std::memcpy(sink_.data() + old, bytes, size);
    }
  }

  Sink& sink_;
  std::uint32_t crc_ = 0;
  std::uint64_t written_ = 0;
};

// Reads little-endian values from a byte span. A read past the end returns 0 (or an empty
// view), reads nothing, and makes ok() false for good: check ok() once after a group of reads.
class byte_reader {
 public:
  byte_reader(const void* data, std::size_t size) noexcept
      : data_(static_cast<const unsigned char*>(data)), size_(size) {}
  explicit byte_reader(std::string_view bytes) noexcept : byte_reader(bytes.data(), bytes.size()) {}

  std::uint8_t u8() noexcept { return static_cast<std::uint8_t>(get_le(1)); }
  std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(get_le(2)); }
  std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(get_le(4)); }
  std::uint64_t u64() noexcept { return get_le(8); }
  std::int32_t i32() noexcept { return static_cast<std::int32_t>(u32()); }
  std::int64_t i64() noexcept { return static_cast<std::int64_t>(u64()); }

  // Unsigned LEB128; an encoding longer than 10 bytes or above 2^64 - 1 fails.
  std::uint64_t varint() noexcept {
    std::uint64_t value = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
      if (!has(1)) return 0;
      unsigned char byte = data_[position_++];
      if (shift == 63 && byte > 1u) return fail();
      value |= static_cast<std::uint64_t>(byte & 0x7Fu) << shift;
      if ((byte & 0x80u) == 0) return value;
    }
    return fail();
  }

  std::int64_t svarint() noexcept {
    std::uint64_t v = varint();
    return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1u) + 1u));
  }

  // A view of the next `size` bytes (into the reader's buffer).
  std::string_view bytes(std::size_t size) noexcept {
    if (!has(size)) return {};
    std::string_view out(reinterpret_cast<const char*>(data_ + position_), size);
    position_ += size;
    return out;
  }

  // A varint length, then that many bytes; fails when fewer remain (no allocation happens
  // before the length is checked against the input).
  std::string_view prefixed() noexcept {
    std::uint64_t size = varint();
    if (!ok_ || size > remaining()) {
      fail();
      return {};
    }
    return bytes(static_cast<std::size_t>(size));
  }

  bool ok() const noexcept { return ok_; }
  bool at_end() const noexcept { return ok_ && position_ == size_; }
  std::size_t position() const noexcept { return position_; }
  std::size_t remaining() const noexcept { return size_ - position_; }
  // Marks the input invalid (for format checks done by the caller).
  std::uint64_t fail() noexcept {
    ok_ = false;
    position_ = size_;
    return 0;
  }

 private:
  bool has(std::size_t n) noexcept {
    if (ok_ && n <= size_ - position_) return true;
    fail();
    return false;
  }
  std::uint64_t get_le(std::size_t n) noexcept {
    if (!has(n)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(data_[position_ + i]) << (8 * i);
    position_ += n;
    return v;
  }

  const unsigned char* data_;
  std::size_t size_;
  std::size_t position_ = 0;
  bool ok_ = true;
};

}  // namespace detail
SLUICE_NAMESPACE_END
