// Element types and the f16/bf16 conversions every backend shares.
// Conversions round to nearest, ties to even, and keep NaN (quiet), ±Inf and subnormals right;
// f64 → f16/bf16 rounds once from the double (no double rounding through f32).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

namespace abw {

enum class DType : uint8_t { f64, f32, f16, bf16, i8, i32 };

const char* dtype_name(DType t);
bool dtype_parse(const std::string& name, DType* out);
size_t dtype_size(DType t);
inline bool dtype_is_float(DType t) { return t == DType::f64 || t == DType::f32 || t == DType::f16 || t == DType::bf16; }

inline uint32_t f32_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }
inline float bits_f32(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
inline uint64_t f64_bits(double d) { uint64_t u; std::memcpy(&u, &d, 8); return u; }

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
uint16_t f64_to_f16(double d);

inline float bf16_to_f32(uint16_t h) { return bits_f32(static_cast<uint32_t>(h) << 16); }
uint16_t f32_to_bf16(float f);
uint16_t f64_to_bf16(double d);

// Bulk conversions used by the dispatcher's f16/bf16 storage path.
void f16_to_f32_n(const uint16_t* src, float* dst, int64_t n);
void f32_to_f16_n(const float* src, uint16_t* dst, int64_t n);
void bf16_to_f32_n(const uint16_t* src, float* dst, int64_t n);
void f32_to_bf16_n(const float* src, uint16_t* dst, int64_t n);

}  // namespace abw
