// Machinery behind sluice/dedup.hpp: how each kind of key is hashed, stored in a table slot,
// compared, and written to / read from a checkpoint.
//
// A key codec stores a key in `stored_size` bytes of a slot (read and written with memcpy):
//   integers, enums            the value itself (sizeof(K) bytes)
//   string-like keys           pointer (8 bytes) + 16-bit length (bytes in a bucket's arena)
//   trivially copyable structs the object's bytes (types with unique object representations)
//   std::pair / std::tuple     the elements' stored forms, one after another
// In fingerprint mode the slot holds 127 bits of a 128-bit hash instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "sluice/arena.hpp"
#include "sluice/detail/byte_io.hpp"
#include "sluice/detail/config.hpp"
#include "sluice/hash.hpp"

SLUICE_NAMESPACE_BEGIN
namespace detail {

template <class T>
inline T dedup_load(const unsigned char* p) noexcept {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}
template <class T>
inline void dedup_store(unsigned char* p, const T& value) noexcept {
  std::memcpy(p, &value, sizeof(T));
}

inline std::uint64_t dedup_load_le64(const unsigned char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}
inline void dedup_store_le64(unsigned char* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

template <class T>
struct dedup_is_tuple_like : std::false_type {};
template <class A, class B>
struct dedup_is_tuple_like<std::pair<A, B>> : std::true_type {};
template <class... Ts>
struct dedup_is_tuple_like<std::tuple<Ts...>> : std::true_type {};

template <class K>
inline constexpr bool dedup_is_string_like =
    std::is_convertible_v<const K&, std::string_view> && !std::is_same_v<K, std::nullptr_t>;

template <class K>
inline constexpr bool dedup_is_integer_like = std::is_integral_v<K> || std::is_enum_v<K>;

template <class K>
inline constexpr bool dedup_is_plain_bytes =
    !dedup_is_string_like<K> && !dedup_is_integer_like<K> && !dedup_is_tuple_like<K>::value &&
    std::is_trivially_copyable_v<K> && std::has_unique_object_representations_v<K>;

// Mixes a 64-bit value into a running hash; used to chain the elements of composite keys.
inline std::uint64_t dedup_chain(std::uint64_t running, std::uint64_t value) noexcept {
  return hash_u64(value, running ^ 0x9E3779B97F4A7C15ull);
}

template <class K, class = void>
struct dedup_key_codec {
  static_assert(sizeof(K) == 0,
                "sluice::window_dedup: unsupported key type. Keys may be integers, enums, "
                "string-like types, trivially copyable structs without padding, or pairs and "
                "tuples of these.");
};

// Integers and enums: stored as themselves; hashed as a 64-bit value (sign-extended).
template <class K>
struct dedup_key_codec<K, std::enable_if_t<dedup_is_integer_like<K>>> {
  static constexpr std::size_t stored_size = sizeof(K);
  static constexpr bool uses_arena = false;
  static constexpr std::uint64_t signature = 0x100u + sizeof(K) * 2u + (std::is_signed_v<K> ? 1u : 0u);

  static std::uint64_t widen(const K& key) noexcept {
    if constexpr (std::is_enum_v<K>) {
      using underlying = std::underlying_type_t<K>;
      return static_cast<std::uint64_t>(
          static_cast<std::conditional_t<std::is_signed_v<underlying>, std::int64_t, std::uint64_t>>(
              static_cast<underlying>(key)));
    } else {
      return static_cast<std::uint64_t>(
          static_cast<std::conditional_t<std::is_signed_v<K>, std::int64_t, std::uint64_t>>(key));
    }
  }
  // One keyed multiplication (hash_u64 without its finish): the line of a key is then known
  // about five cycles sooner, which a lookup of a cached table waits for.
  static std::uint64_t hash(const K& key, const seeded_hash& keyed) noexcept {
    return seeded_hash_access::mix_word(keyed, widen(key));
  }
  static bool equal(const unsigned char* stored, const K& key) noexcept {
    return std::memcmp(stored, &key, sizeof(K)) == 0;
  }
  // Whether two keys are one key (what `equal` decides for a stored one).
  static bool same(const K& a, const K& b) noexcept { return widen(a) == widen(b); }
  static bool store(const K& key, unsigned char* out, arena&) noexcept {
    dedup_store(out, key);
    return true;
  }
  static std::uint64_t stored_hash(const unsigned char* stored, const seeded_hash& keyed) noexcept {
    return hash(dedup_load<K>(stored), keyed);
  }
  // Canonical bytes, the same on every host: the widened value, little-endian.
  static void canonical(const K& key, std::string& out) {
    unsigned char bytes[8];
    dedup_store_le64(bytes, widen(key));
    out.append(reinterpret_cast<const char*>(bytes), 8);
  }
  template <class Writer>
  static void encode(const unsigned char* stored, Writer& writer) {
    writer.u64(widen(dedup_load<K>(stored)));
  }
  static void skip(byte_reader& reader) noexcept { reader.bytes(8); }
  static std::size_t arena_bytes(const unsigned char*) noexcept { return 0; }
  static bool relocate(unsigned char*, arena&) noexcept { return true; }
  SLUICE_ALWAYS_INLINE static void prefetch_bytes(const unsigned char*) noexcept {}
  static bool decode(byte_reader& reader, unsigned char* out, arena&) noexcept {
    std::uint64_t wide = reader.u64();
    K key;
    if constexpr (std::is_same_v<K, bool>) {
      if (wide > 1) return false;
      key = wide != 0;
    } else if constexpr (std::is_enum_v<K>) {
      key = static_cast<K>(static_cast<std::underlying_type_t<K>>(wide));
    } else {
      key = static_cast<K>(wide);
    }
    if (widen(key) != wide) return false;  // does not fit this key type
    dedup_store(out, key);
    return reader.ok();
  }
};

// String-like keys: the bytes are copied into the bucket's arena; the slot keeps a pointer (in
// 8 bytes on every host, so that tables, and the order checkpoints list keys in, are the same
// on 32-bit hosts) and a 16-bit length. Strings of 65,535 bytes or more are stored with their
// 32-bit length in the four bytes before them, and the slot's length reads 0xFFFF.
template <class K>
struct dedup_key_codec<K, std::enable_if_t<dedup_is_string_like<K>>> {
  static constexpr std::size_t stored_size = sizeof(std::uint64_t) + sizeof(std::uint16_t);
  static constexpr bool uses_arena = true;
  static constexpr std::uint64_t signature = 0x200u;
  static constexpr std::uint16_t long_size = 0xFFFF;

  static const char* pointer(const unsigned char* stored) noexcept {
    return reinterpret_cast<const char*>(static_cast<std::uintptr_t>(dedup_load<std::uint64_t>(stored)));
  }
  static std::string_view view(const unsigned char* stored) noexcept {
    const char* data = pointer(stored);
    const std::uint16_t size = dedup_load<std::uint16_t>(stored + sizeof(std::uint64_t));
    if (size != long_size) return std::string_view(data, size);
    std::uint32_t long_length;
    std::memcpy(&long_length, data - sizeof long_length, sizeof long_length);
    return std::string_view(data, long_length);
  }
  static std::uint64_t hash(const K& key, const seeded_hash& keyed) noexcept {
    return keyed.hash64(std::string_view(key));
  }
  static bool equal(const unsigned char* stored, const K& key) noexcept {
    std::string_view wanted(key);
    std::string_view held = view(stored);
    return held.size() == wanted.size() &&
           (held.empty() || std::memcmp(held.data(), wanted.data(), held.size()) == 0);
  }
  // Equal text, whatever the objects: two `const char*` with the same text are one key.
  static bool same(const K& a, const K& b) noexcept { return std::string_view(a) == std::string_view(b); }
  static bool store_view(std::string_view bytes, unsigned char* out, arena& strings) noexcept {
    if (bytes.size() > 0xFFFFFFFFu) return false;
    const char* data;
    if (bytes.size() < long_size) {
      data = strings.copy(bytes).data();
      if (data == nullptr && !bytes.empty()) return false;
    } else {
      const auto long_length = static_cast<std::uint32_t>(bytes.size());
      auto* memory = static_cast<char*>(strings.allocate(sizeof long_length + bytes.size(), 1));
      if (memory == nullptr) return false;
      std::memcpy(memory, &long_length, sizeof long_length);
      std::memcpy(memory + sizeof long_length, bytes.data(), bytes.size());
      data = memory + sizeof long_length;
    }
    dedup_store(out, static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(data)));
    dedup_store(out + sizeof(std::uint64_t),
                static_cast<std::uint16_t>(bytes.size() < long_size ? bytes.size() : long_size));
    return true;
  }
  static bool store(const K& key, unsigned char* out, arena& strings) noexcept {
    return store_view(std::string_view(key), out, strings);
  }
  static std::uint64_t stored_hash(const unsigned char* stored, const seeded_hash& keyed) noexcept {
    return keyed.hash64(view(stored));
  }
  static void canonical(const K& key, std::string& out) {
    std::string_view bytes(key);
    unsigned char size[8];
    dedup_store_le64(size, bytes.size());
    out.append(reinterpret_cast<const char*>(size), 8);
    out.append(bytes.data(), bytes.size());
  }
  template <class Writer>
  static void encode(const unsigned char* stored, Writer& writer) {
    writer.prefixed(view(stored));
  }
  static void skip(byte_reader& reader) noexcept { reader.prefixed(); }
  // Bytes the stored string takes in its arena.
  static std::size_t arena_bytes(const unsigned char* stored) noexcept {
    const std::size_t size = view(stored).size();
    return size < long_size ? size : size + sizeof(std::uint32_t);
  }
  // Copies the stored string into `strings` and points the slot at the copy.
  static bool relocate(unsigned char* stored, arena& strings) noexcept {
    return store_view(view(stored), stored, strings);
  }
  // Starts loading the stored bytes (a hint: the pointer may be stale, which a prefetch ignores).
  SLUICE_ALWAYS_INLINE static void prefetch_bytes(const unsigned char* stored) noexcept {
    SLUICE_PREFETCH(pointer(stored));
  }
  static bool decode(byte_reader& reader, unsigned char* out, arena& strings) noexcept {
    std::string_view bytes = reader.prefixed();
    return reader.ok() && store_view(bytes, out, strings);
  }
};

// Structs without padding: stored and hashed as their bytes. Checkpoints copy the bytes as
// they are, so they restore only on hosts with the same byte order and layout.
template <class K>
struct dedup_key_codec<K, std::enable_if_t<dedup_is_plain_bytes<K>>> {
  static constexpr std::size_t stored_size = sizeof(K);
  static constexpr bool uses_arena = false;
  static constexpr std::uint64_t signature = 0x300u + sizeof(K) * 16u + (SLUICE_BIG_ENDIAN() ? 8u : 0u);

  static std::uint64_t hash(const K& key, const seeded_hash& keyed) noexcept { return keyed.hash64(&key, sizeof(K)); }
  static bool equal(const unsigned char* stored, const K& key) noexcept {
    return std::memcmp(stored, &key, sizeof(K)) == 0;
  }
  static bool same(const K& a, const K& b) noexcept { return std::memcmp(&a, &b, sizeof(K)) == 0; }
  static bool store(const K& key, unsigned char* out, arena&) noexcept {
    std::memcpy(out, &key, sizeof(K));
    return true;
  }
  static std::uint64_t stored_hash(const unsigned char* stored, const seeded_hash& keyed) noexcept {
    return keyed.hash64(stored, sizeof(K));
  }
  static void canonical(const K& key, std::string& out) {
    out.append(reinterpret_cast<const char*>(&key), sizeof(K));
  }
  template <class Writer>
  static void encode(const unsigned char* stored, Writer& writer) {
    writer.raw(stored, sizeof(K));
  }
  static void skip(byte_reader& reader) noexcept { reader.bytes(sizeof(K)); }
  static std::size_t arena_bytes(const unsigned char*) noexcept { return 0; }
  static bool relocate(unsigned char*, arena&) noexcept { return true; }
  SLUICE_ALWAYS_INLINE static void prefetch_bytes(const unsigned char*) noexcept {}
  static bool decode(byte_reader& reader, unsigned char* out, arena&) noexcept {
    std::string_view bytes = reader.bytes(sizeof(K));
    if (!reader.ok()) return false;
    std::memcpy(out, bytes.data(), sizeof(K));
    return true;
  }
};

// Pairs and tuples: each element through its own codec, stored one after another.
template <class K>
struct dedup_key_codec<K, std::enable_if_t<dedup_is_tuple_like<K>::value>> {
  static constexpr std::size_t arity = std::tuple_size_v<K>;
  template <std::size_t I>
  using element_codec = dedup_key_codec<std::decay_t<std::tuple_element_t<I, K>>>;

  template <std::size_t... I>
  static constexpr std::size_t total_size(std::index_sequence<I...>) {
    return (std::size_t{0} + ... + element_codec<I>::stored_size);
  }
  template <std::size_t... I>
  static constexpr bool any_arena(std::index_sequence<I...>) {
    return (false || ... || element_codec<I>::uses_arena);
  }
  template <std::size_t... I>
  static constexpr std::uint64_t combined_signature(std::index_sequence<I...>) {
    std::uint64_t s = 0x400u + arity;
    ((s = s * 0x100000001B3ull + element_codec<I>::signature), ...);
    return s;
  }
  template <std::size_t I>
  static constexpr std::size_t offset_of() {
    return total_size(std::make_index_sequence<I>());
  }
  using indices = std::make_index_sequence<arity>;

  static constexpr std::size_t stored_size = total_size(indices());
  static constexpr bool uses_arena = any_arena(indices());
  static constexpr std::uint64_t signature = combined_signature(indices());

  template <std::size_t... I>
  static std::uint64_t hash_all(const K& key, const seeded_hash& keyed, std::index_sequence<I...>) noexcept {
    std::uint64_t h = keyed.seed();
    ((h = dedup_chain(h, element_codec<I>::hash(std::get<I>(key), keyed))), ...);
    return h;
  }
  static std::uint64_t hash(const K& key, const seeded_hash& keyed) noexcept { return hash_all(key, keyed, indices()); }

  template <std::size_t... I>
  static bool equal_all(const unsigned char* stored, const K& key, std::index_sequence<I...>) noexcept {
    return (true && ... && element_codec<I>::equal(stored + offset_of<I>(), std::get<I>(key)));
  }
  static bool equal(const unsigned char* stored, const K& key) noexcept {
    return equal_all(stored, key, indices());
  }
  template <std::size_t... I>
  static bool same_all(const K& a, const K& b, std::index_sequence<I...>) noexcept {
    return (true && ... && element_codec<I>::same(std::get<I>(a), std::get<I>(b)));
  }
  static bool same(const K& a, const K& b) noexcept { return same_all(a, b, indices()); }

  template <std::size_t... I>
  static bool store_all(const K& key, unsigned char* out, arena& strings, std::index_sequence<I...>) noexcept {
    return (true && ... && element_codec<I>::store(std::get<I>(key), out + offset_of<I>(), strings));
  }
  static bool store(const K& key, unsigned char* out, arena& strings) noexcept {
    return store_all(key, out, strings, indices());
  }

  template <std::size_t... I>
  static std::uint64_t stored_hash_all(const unsigned char* stored, const seeded_hash& keyed,
                                       std::index_sequence<I...>) noexcept {
    std::uint64_t h = keyed.seed();
    ((h = dedup_chain(h, element_codec<I>::stored_hash(stored + offset_of<I>(), keyed))), ...);
    return h;
  }
  static std::uint64_t stored_hash(const unsigned char* stored, const seeded_hash& keyed) noexcept {
    return stored_hash_all(stored, keyed, indices());
  }

  template <std::size_t... I>
  static void canonical_all(const K& key, std::string& out, std::index_sequence<I...>) {
    (element_codec<I>::canonical(std::get<I>(key), out), ...);
  }
  static void canonical(const K& key, std::string& out) { canonical_all(key, out, indices()); }

  template <class Writer, std::size_t... I>
  static void encode_all(const unsigned char* stored, Writer& writer, std::index_sequence<I...>) {
    (element_codec<I>::encode(stored + offset_of<I>(), writer), ...);
  }
  template <class Writer>
  static void encode(const unsigned char* stored, Writer& writer) {
    encode_all(stored, writer, indices());
  }

  template <std::size_t... I>
  static void skip_all(byte_reader& reader, std::index_sequence<I...>) noexcept {
    (element_codec<I>::skip(reader), ...);
  }
  static void skip(byte_reader& reader) noexcept { skip_all(reader, indices()); }

  template <std::size_t... I>
  static std::size_t arena_bytes_all(const unsigned char* stored, std::index_sequence<I...>) noexcept {
    return (std::size_t{0} + ... + element_codec<I>::arena_bytes(stored + offset_of<I>()));
  }
  static std::size_t arena_bytes(const unsigned char* stored) noexcept { return arena_bytes_all(stored, indices()); }
  template <std::size_t... I>
  static bool relocate_all(unsigned char* stored, arena& strings, std::index_sequence<I...>) noexcept {
    return (true && ... && element_codec<I>::relocate(stored + offset_of<I>(), strings));
  }
  static bool relocate(unsigned char* stored, arena& strings) noexcept { return relocate_all(stored, strings, indices()); }
  template <std::size_t... I>
  static void prefetch_all(const unsigned char* stored, std::index_sequence<I...>) noexcept {
    (element_codec<I>::prefetch_bytes(stored + offset_of<I>()), ...);
  }
  SLUICE_ALWAYS_INLINE static void prefetch_bytes(const unsigned char* stored) noexcept { prefetch_all(stored, indices()); }

  template <std::size_t... I>
  static bool decode_all(byte_reader& reader, unsigned char* out, arena& strings, std::index_sequence<I...>) noexcept {
    return (true && ... && element_codec<I>::decode(reader, out + offset_of<I>(), strings));
  }
  static bool decode(byte_reader& reader, unsigned char* out, arena& strings) noexcept {
    return decode_all(reader, out, strings, indices());
  }
};

// ---------------------------------------------------------------------------------------------
// The two storage modes as the engine sees them. `prepare` computes everything a lookup needs
// once per record; `equal`, `store`, `rehash`, `encode` and `decode` work on slots.

template <class K>
struct dedup_exact_storage {
  using key_type = K;
  using codec = dedup_key_codec<K>;
  static constexpr std::size_t stored_size = codec::stored_size;
  static constexpr bool uses_arena = codec::uses_arena;
  static constexpr std::uint64_t signature = codec::signature;
  static constexpr bool fingerprint = false;

  struct prepared {
    std::uint64_t hash;
    const K* key;
  };
  static prepared prepare(const K& key, const seeded_hash& keyed, std::string&) noexcept {
    return prepared{codec::hash(key, keyed), &key};
  }
  // Points a prepared lookup at a key object that outlives the lookup.
  static void rebind(prepared& p, const K& key) noexcept { p.key = &key; }
  static bool equal(const unsigned char* stored, const prepared& p) noexcept { return codec::equal(stored, *p.key); }
  static bool store(const prepared& p, unsigned char* out, arena& strings) noexcept {
    return codec::store(*p.key, out, strings);
  }
  static std::uint64_t rehash(const unsigned char* stored, const seeded_hash& keyed) noexcept {
    return codec::stored_hash(stored, keyed);
  }
  template <class Writer>
  static void encode(const unsigned char* stored, Writer& writer) {
    codec::encode(stored, writer);
  }
  static void skip(byte_reader& reader) noexcept { codec::skip(reader); }
  static std::size_t arena_bytes(const unsigned char* stored) noexcept { return codec::arena_bytes(stored); }
  static bool relocate(unsigned char* stored, arena& strings) noexcept { return codec::relocate(stored, strings); }
  SLUICE_ALWAYS_INLINE static void prefetch_bytes(const unsigned char* stored) noexcept { codec::prefetch_bytes(stored); }
  static bool decode(byte_reader& reader, unsigned char* out, arena& strings,
                     const seeded_hash& keyed, std::uint64_t& hash) noexcept {
    if (!codec::decode(reader, out, strings)) return false;
    hash = codec::stored_hash(out, keyed);
    return true;
  }
};

template <class K>
struct dedup_fingerprint_storage {
  using key_type = K;
  using codec = dedup_key_codec<K>;
  static constexpr std::size_t stored_size = 16;
  static constexpr bool uses_arena = false;
  static constexpr std::uint64_t signature = 0xF000u ^ codec::signature;
  static constexpr bool fingerprint = true;

  // The fingerprint is hash128 of the key with bit 7 of the low word cleared (127 bits, as in
  // every checkpoint since format version 1); the low word doubles as the table hash.
  struct prepared {
    std::uint64_t hash;
    std::uint64_t high;
  };
  static prepared from(hash128_t fp) noexcept { return prepared{fp.low & ~std::uint64_t{0x80}, fp.high}; }
  static prepared prepare(const K& key, const seeded_hash& keyed, std::string& scratch) noexcept {
    if constexpr (dedup_is_string_like<K>) {
      return from(keyed.hash128(std::string_view(key)));
    } else if constexpr (dedup_is_integer_like<K>) {
      unsigned char bytes[8];
      dedup_store_le64(bytes, codec::widen(key));
      return from(keyed.hash128(bytes, 8));
    } else if constexpr (dedup_is_plain_bytes<K>) {
      return from(keyed.hash128(&key, sizeof(K)));
    } else {
      scratch.clear();
      codec::canonical(key, scratch);
      return from(keyed.hash128(scratch.data(), scratch.size()));
    }
  }
  static void rebind(prepared&, const K&) noexcept {}
  static bool equal(const unsigned char* stored, const prepared& p) noexcept {
    return dedup_load<std::uint64_t>(stored) == p.hash && dedup_load<std::uint64_t>(stored + 8) == p.high;
  }
  static bool store(const prepared& p, unsigned char* out, arena&) noexcept {
    dedup_store(out, p.hash);
    dedup_store(out + 8, p.high);
    return true;
  }
  static std::uint64_t rehash(const unsigned char* stored, const seeded_hash&) noexcept {
    return dedup_load<std::uint64_t>(stored);
  }
  template <class Writer>
  static void encode(const unsigned char* stored, Writer& writer) {
    writer.u64(dedup_load<std::uint64_t>(stored));
    writer.u64(dedup_load<std::uint64_t>(stored + 8));
  }
  static void skip(byte_reader& reader) noexcept { reader.bytes(16); }
  static bool decode(byte_reader& reader, unsigned char* out, arena& unused, const seeded_hash&,
                     std::uint64_t& hash) noexcept {
    prepared p{reader.u64(), reader.u64()};
    if (!reader.ok() || (p.hash & 0x80u) != 0) return false;
    store(p, out, unused);
    hash = p.hash;
    return true;
  }
};

}  // namespace detail
SLUICE_NAMESPACE_END
