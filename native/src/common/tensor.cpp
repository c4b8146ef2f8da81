#include "common/tensor.h"

#include "common/cuda_module.h"
#include "common/error.h"
#include "common/memory.h"

namespace abw {

Tensor::Tensor(DType dtype, Shape shape, Device device) : dtype_(dtype), device_(device), shape_(std::move(shape)) {
  numel_ = shape_numel(shape_);
  nbytes_ = static_cast<size_t>(numel_) * dtype_size(dtype_);
  data_ = nullptr;
  if (!nbytes_) return;
  if (device_ == Device::host) {
    data_ = tracked_alloc(nbytes_);
  } else {
    abw_cuda_status st{};
    data_ = cuda_required().alloc(nbytes_, &st);
    if (!data_) raise_cuda_status(st);
  }
}

Tensor::~Tensor() { release(); }

void Tensor::release() {
  if (data_) {
    if (device_ == Device::host) tracked_free(data_, nbytes_);
    else cuda_required().free(data_, nbytes_);
    data_ = nullptr;
  }
}

int64_t Tensor::size(int64_t d) const {
  int64_t n = ndim();
  if (d < 0) d += n;
  ABW_CHECK(d >= 0 && d < n, "EINTERNAL", "dimension " + std::to_string(d) + " out of range for shape " + shape_str(shape_));
  return shape_[d];
}

}  // namespace abw
