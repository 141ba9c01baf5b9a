// PNG (ISO/IEC 15948): the 8-byte signature, then chunks of length, type, data and CRC-32: IHDR (size, 8-bit RGB),
// IDAT (the zlib stream of the rows, each preceded by filter byte 0), IEND.
#include "nnlab/png.hpp"

#include <zlib.h>

#include <cassert>
#include <cstdint>
#include <algorithm>
#include <new>

namespace nnlab {
namespace {

void put_u32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += char((value >> shift) & 0xff);
}

void put_chunk(std::string& out, const char* type, const std::string& data) {
  put_u32(out, std::uint32_t(data.size()));
  const std::string typed = std::string(type, 4) + data;
  out += typed;
  put_u32(out, std::uint32_t(crc32(0, reinterpret_cast<const Bytef*>(typed.data()), uInt(typed.size()))));
}

}  // namespace

std::string png_bytes(std::size_t width, std::size_t height, const std::vector<unsigned char>& rgb) {
  assert(rgb.size() == width * height * 3);
  std::string header;
  put_u32(header, std::uint32_t(width));
  put_u32(header, std::uint32_t(height));
  header += {char(8), char(2), char(0), char(0), char(0)};  // depth 8, colour type RGB, deflate, filter 0, no interlace
  std::string rows;
  rows.reserve(height * (1 + 3 * width));
  for (std::size_t r = 0; r < height; ++r) {
    rows += char(0);
    rows.append(reinterpret_cast<const char*>(rgb.data() + r * width * 3), width * 3);
  }
  uLongf packed_size = compressBound(uLong(rows.size()));
  std::string packed(packed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size, reinterpret_cast<const Bytef*>(rows.data()),
                uLong(rows.size()), Z_BEST_COMPRESSION) != Z_OK)
    throw std::bad_alloc();  // zlib fails only without memory for its state
  packed.resize(packed_size);
  std::string png = "\x89PNG\r\n\x1a\n";
  put_chunk(png, "IHDR", header);
  put_chunk(png, "IDAT", packed);
  put_chunk(png, "IEND", "");
  return png;
}

std::string base64(const std::string& bytes) {
  static const char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 3; ++k) group = group << 8 | (k < n ? std::uint8_t(bytes[i + k]) : 0);
    for (std::size_t k = 0; k < 4; ++k) out += k <= n ? kDigits[(group >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

std::string png_data_uri(std::size_t width, std::size_t height, const std::vector<unsigned char>& rgb) {
  return "data:image/png;base64," + base64(png_bytes(width, height, rgb));
}

}  // namespace nnlab
