#include "common/dtype.h"

#include <cmath>
#if defined(__F16C__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace abw {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::f64: return "f64";
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
    case DType::i8: return "int8";
    case DType::i32: return "int32";
  }
  return "?";
}

bool dtype_parse(const std::string& n, DType* out) {
  if (n == "f64") *out = DType::f64;
  else if (n == "f32") *out = DType::f32;
  else if (n == "f16") *out = DType::f16;
  else if (n == "bf16") *out = DType::bf16;
  else if (n == "int8") *out = DType::i8;
  else if (n == "int32") *out = DType::i32;
  else return false;
  return true;
}

size_t dtype_size(DType t) {
  switch (t) {
    case DType::f64: return 8;
    case DType::f32: case DType::i32: return 4;
    case DType::f16: case DType::bf16: return 2;
    case DType::i8: return 1;
  }
  return 0;
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t man = h & 0x3ffu;
  if (exp == 0x1f) return bits_f32(sign | 0x7f800000u | (man << 13) | (man ? 0x400000u : 0));  // Inf / quiet NaN
  if (exp == 0) {
    if (man == 0) return bits_f32(sign);
    // Subnormal: value = man * 2^-24, exact in f32.
    float v = std::ldexp(static_cast<float>(man), -24);
    return sign ? -v : v;
  }
  return bits_f32(sign | ((exp + 112u) << 23) | (man << 13));
}

// Shared rounding: `mag` is |x| as a double (exact for f32 inputs), sign separate.
// f16 has 10 stored mantissa bits, exponent range [-14, 15], subnormal quantum 2^-24.
static uint16_t f16_from_magnitude(double mag, uint16_t sign) {
  if (std::isnan(mag)) return static_cast<uint16_t>(sign | 0x7e00u);
  if (mag >= 65520.0) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to Inf (65504 + half ulp)
  if (mag < std::ldexp(1.0, -14)) {
    // Subnormal range: quantise to multiples of 2^-24 with ties to even.
    double q = mag * 16777216.0;  // exact scaling by 2^24
    double r = std::nearbyint(q);  // default FE_TONEAREST = ties-to-even
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(r));  // r == 1024 becomes the smallest normal
  }
  int e;
  double m = std::frexp(mag, &e);  // mag = m * 2^e, m in [0.5, 1)
  // Normal: 11 significant bits. Scale so the integer part holds them.
  double q = std::ldexp(m, 11);
  double r = std::nearbyint(q);
  if (r >= 2048.0) { r /= 2.0; e += 1; }
  int biased = e - 1 + 15;
  if (biased >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  uint16_t man = static_cast<uint16_t>(static_cast<uint32_t>(r) - 1024u);
  return static_cast<uint16_t>(sign | (biased << 10) | man);
}

uint16_t f64_to_f16(double d) {
  uint16_t sign = std::signbit(d) ? 0x8000u : 0u;
  if (std::isnan(d)) return static_cast<uint16_t>(sign | 0x7e00u);
  return f16_from_magnitude(std::fabs(d), sign);
}

uint16_t f32_to_f16(float f) { return f64_to_f16(static_cast<double>(f)); }

uint16_t f32_to_bf16(float f) {
  uint32_t u = f32_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);  // quiet NaN
  uint32_t lsb = (u >> 16) & 1u;
  u += 0x7fffu + lsb;  // ties to even; overflow into Inf is the right rounding
  return static_cast<uint16_t>(u >> 16);
}

uint16_t f64_to_bf16(double d) {
  uint16_t sign = std::signbit(d) ? 0x8000u : 0u;
  if (std::isnan(d)) return static_cast<uint16_t>(sign | 0x7fc0u);
  double mag = std::fabs(d);
  if (std::isinf(mag)) return static_cast<uint16_t>(sign | 0x7f80u);
  const double min_normal = std::ldexp(1.0, -126);
  if (mag < min_normal) {
    // bf16 subnormals: multiples of 2^-133.
    double r = std::nearbyint(std::ldexp(mag, 133));
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(r));
  }
  int e;
  double m = std::frexp(mag, &e);
  double r = std::nearbyint(std::ldexp(m, 8));  // 8 significant bits
  if (r >= 256.0) { r /= 2.0; e += 1; }
  int biased = e - 1 + 127;
  if (biased >= 255) return static_cast<uint16_t>(sign | 0x7f80u);
  uint16_t man = static_cast<uint16_t>(static_cast<uint32_t>(r) - 128u);
  return static_cast<uint16_t>(sign | (biased << 7) | man);
}

// Bulk conversions: F16C where the build targets it (the hardware rounds to nearest even, as the
// scalar code does), scalar otherwise. Callers run them in parallel chunks.
#if defined(__F16C__)
void f16_to_f32_n(const uint16_t* s, float* d, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(d + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i))));
  for (; i < n; ++i) d[i] = f16_to_f32(s[i]);
}
void f32_to_f16_n(const float* s, uint16_t* d, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i), _mm256_cvtps_ph(_mm256_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  for (; i < n; ++i) d[i] = f32_to_f16(s[i]);
}
#else
void f16_to_f32_n(const uint16_t* s, float* d, int64_t n) { for (int64_t i = 0; i < n; ++i) d[i] = f16_to_f32(s[i]); }
void f32_to_f16_n(const float* s, uint16_t* d, int64_t n) { for (int64_t i = 0; i < n; ++i) d[i] = f32_to_f16(s[i]); }
#endif
#if defined(__AVX2__)
void bf16_to_f32_n(const uint16_t* s, float* d, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i), _mm256_slli_epi32(w, 16));
  }
  for (; i < n; ++i) d[i] = bf16_to_f32(s[i]);
}
// The same rounding as f32_to_bf16 (ties to even, NaN kept and quieted), 8 lanes at a time.
void f32_to_bf16_n(const float* s, uint16_t* d, int64_t n) {
  const __m256i one = _mm256_set1_epi32(1), bias = _mm256_set1_epi32(0x7fff), quiet = _mm256_set1_epi32(0x40);
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i u = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
    const __m256i hi = _mm256_srli_epi32(u, 16);
    const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(u, bias), _mm256_and_si256(hi, one)), 16);
    const __m256i is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs_mask), inf);
    const __m256i r = _mm256_blendv_epi8(rounded, _mm256_or_si256(hi, quiet), is_nan);
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i), _mm256_castsi256_si128(packed));
  }
  for (; i < n; ++i) d[i] = f32_to_bf16(s[i]);
}
#else
void bf16_to_f32_n(const uint16_t* s, float* d, int64_t n) { for (int64_t i = 0; i < n; ++i) d[i] = bf16_to_f32(s[i]); }
void f32_to_bf16_n(const float* s, uint16_t* d, int64_t n) { for (int64_t i = 0; i < n; ++i) d[i] = f32_to_bf16(s[i]); }
#endif

}  // namespace abw
