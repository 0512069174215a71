// byte_writer / byte_reader: fixed little-endian layout, truncation is reported, never read.
#include <cstddef>
#include <string>
#include <vector>

#include "catch_shim.hpp"
#include "errors/model.hpp"
#include "sluice/detail/byte_io.hpp"
#include "test_support.hpp"

namespace errors_test_byte_io {

using sluice::detail::byte_reader;
using sluice::detail::byte_writer;

TEST_CASE("byte_writer writes little-endian on every host", "[errors]") {
  std::string out;
  byte_writer<std::string> w(out);
  w.u8(0xAB);
  w.u16(0x1234);
  w.u32(0xDEADBEEFu);
  w.u64(0x0102030405060708ull);
  w.i64(-2);
  w.i32(-1);
  std::string expected = errors_model::little_endian(0xAB, 1) + errors_model::little_endian(0x1234, 2) +
                         errors_model::little_endian(0xDEADBEEFu, 4) +
                         errors_model::little_endian(0x0102030405060708ull, 8) +
                         errors_model::little_endian(0xFFFFFFFFFFFFFFFEull, 8) +
                         errors_model::little_endian(0xFFFFFFFFu, 4);
  CHECK(out == expected);
  CHECK(w.written() == out.size());
  CHECK(w.crc() == errors_model::crc32c_bitwise(out));
}

TEST_CASE("varints have the LEB128 layout", "[errors]") {
  std::string out;
  byte_writer<std::string> w(out);
  w.varint(0);
  w.varint(127);
  w.varint(128);
  w.varint(300);
  CHECK(out == std::string("\x00\x7F\x80\x01\xAC\x02", 6));
  out.clear();
  w.varint(~0ull);
  CHECK(out.size() == 10);
  out.clear();
  w.svarint(-1);
  w.svarint(1);
  CHECK(out == std::string("\x01\x02", 2));
}

TEST_CASE("sinks: string, byte vectors and function objects get the same bytes", "[errors]") {
  std::string as_string;
  std::vector<unsigned char> as_vector;
  std::vector<std::byte> as_bytes;
  std::string via_callback;
  auto callback = [&](const void* data, std::size_t size) {
    via_callback.append(static_cast<const char*>(data), size);
  };
  auto write_all = [](auto& writer) {
    writer.u32(7);
    writer.prefixed("hello");
    writer.svarint(-300);
  };
  byte_writer<std::string> a(as_string);
  byte_writer<std::vector<unsigned char>> b(as_vector);
  byte_writer<std::vector<std::byte>> c(as_bytes);
  byte_writer<decltype(callback)> d(callback);
  write_all(a);
  write_all(b);
  write_all(c);
  write_all(d);
  CHECK(std::string(as_vector.begin(), as_vector.end()) == as_string);
  CHECK(std::string(reinterpret_cast<const char*>(as_bytes.data()), as_bytes.size()) == as_string);
  CHECK(via_callback == as_string);
  CHECK(a.crc() == d.crc());
}

TEST_CASE("random values round-trip; every truncation is detected", "[errors]") {
  sluice_test::rng rng(0xB17E);
  for (std::size_t round = 0; round < sluice_test::scaled(300); ++round) {
    std::uint64_t values[6];
    for (auto& v : values) v = rng.next() >> rng.below(64);
    std::string text(static_cast<std::size_t>(rng.below(20)), 'x');
    std::string out;
    byte_writer<std::string> w(out);
    w.u8(static_cast<std::uint8_t>(values[0]));
    w.u16(static_cast<std::uint16_t>(values[1]));
    w.u32(static_cast<std::uint32_t>(values[2]));
    w.u64(values[3]);
    w.varint(values[4]);
    w.svarint(static_cast<std::int64_t>(values[5]));
    w.prefixed(text);

    byte_reader r(out);
    CHECK(r.u8() == static_cast<std::uint8_t>(values[0]));
    CHECK(r.u16() == static_cast<std::uint16_t>(values[1]));
    CHECK(r.u32() == static_cast<std::uint32_t>(values[2]));
    CHECK(r.u64() == values[3]);
    CHECK(r.varint() == values[4]);
    CHECK(r.svarint() == static_cast<std::int64_t>(values[5]));
    CHECK(r.prefixed() == text);
    CHECK(r.at_end());

    // Any shorter input fails somewhere and never yields more bytes than exist.
    std::size_t cut = static_cast<std::size_t>(rng.below(out.size()));
    byte_reader t(out.data(), cut);
    (void)t.u8(), (void)t.u16(), (void)t.u32(), (void)t.u64(), (void)t.varint(), (void)t.svarint();
    std::string_view tail = t.prefixed();
    CHECK_FALSE(t.ok());
    CHECK(tail.empty());
    CHECK(t.remaining() == 0);
  }
}

TEST_CASE("malformed varints and lengths fail", "[errors]") {
  std::string eleven(11, '\x80');
  byte_reader a(eleven);
  a.varint();
  CHECK_FALSE(a.ok());
  std::string too_big("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x02", 10);
  byte_reader b(too_big);
  b.varint();
  CHECK_FALSE(b.ok());
  std::string max("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x01", 10);
  byte_reader c(max);
  CHECK(c.varint() == ~0ull);
  CHECK(c.at_end());
  std::string huge_length("\xFF\xFF\xFF\xFF\x0F" "abc", 8);
  byte_reader d(huge_length);
  CHECK(d.prefixed().empty());
  CHECK_FALSE(d.ok());
  byte_reader e(nullptr, 0);
  CHECK(e.u8() == 0);
  CHECK_FALSE(e.ok());
  byte_reader f("", 0);
  CHECK(f.prefixed().empty());
  CHECK_FALSE(f.ok());
}

}  // namespace errors_test_byte_io
