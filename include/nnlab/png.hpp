// Pictures a page can carry inline: an RGB raster as a PNG file (zlib-compressed, no filter), and as a data: URI.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace nnlab {

// `rgb` holds width × height pixels, three bytes each, row by row from the top.
std::string png_bytes(std::size_t width, std::size_t height, const std::vector<unsigned char>& rgb);

// "data:image/png;base64,..." for the same picture.
std::string png_data_uri(std::size_t width, std::size_t height, const std::vector<unsigned char>& rgb);

std::string base64(const std::string& bytes);

}  // namespace nnlab
