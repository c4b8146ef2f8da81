// NumPy/PyTorch broadcasting of leading (batch) dimensions: maps a flat index of the broadcast
// result to flat offsets into each operand. Used by elementwise ops and batched matmul.
#pragma once
#include <cstdint>
#include <vector>

#include "common/tensor.h"

namespace abw {

class Broadcast {
 public:
  // `out` is the broadcast shape; each operand shape is right-aligned against it.
  Broadcast(const Shape& out, const std::vector<Shape>& operands) : out_(out) {
    const size_t nd = out.size();
    strides_.resize(operands.size(), std::vector<int64_t>(nd, 0));
    for (size_t k = 0; k < operands.size(); ++k) {
      const Shape& s = operands[k];
      const size_t off = nd - s.size();
      int64_t stride = 1;
      for (int64_t d = static_cast<int64_t>(s.size()) - 1; d >= 0; --d) {
        strides_[k][off + d] = s[d] == 1 ? 0 : stride;
        stride *= s[d];
      }
    }
  }
  // Flat offset into operand k of result element `index`.
  int64_t offset(size_t k, int64_t index) const {
    int64_t off = 0;
    for (int64_t d = static_cast<int64_t>(out_.size()) - 1; d >= 0 && index > 0; --d) {
      int64_t i = index % out_[d];
      index /= out_[d];
      off += i * strides_[k][d];
    }
    return off;
  }

 private:
  Shape out_;
  std::vector<std::vector<int64_t>> strides_;
};

}  // namespace abw
