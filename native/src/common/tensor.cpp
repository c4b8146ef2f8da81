#include "common/tensor.h"

#include "common/cuda_module.h"
#include "common/error.h"
#include "common/memory.h"

namespace abw {

Storage::Storage(size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  if (device_ == Device::host) {
    data_ = tracked_alloc(nbytes_);
  } else {
    abw_cuda_status st{};
    data_ = cuda_required().alloc(nbytes_, &st);
    if (!data_) raise_cuda_status(st);
  }
}

Storage::~Storage() {
  if (!data_) return;
  if (device_ == Device::host) tracked_free(data_, nbytes_);
  else cuda_required().free(data_, nbytes_);
}

Tensor::Tensor(DType dtype, Shape shape, Device device) : dtype_(dtype), device_(device), shape_(std::move(shape)) {
  numel_ = shape_numel(shape_);
  nbytes_ = static_cast<size_t>(numel_) * dtype_size(dtype_);
  if (nbytes_) storage_ = std::make_shared<Storage>(nbytes_, device_);
}

Tensor::Tensor(const Tensor& base, Shape shape)
    : dtype_(base.dtype_), device_(base.device_), shape_(std::move(shape)), nbytes_(base.nbytes_), storage_(base.storage_) {
  numel_ = shape_numel(shape_);
  ABW_CHECK(numel_ == base.numel_, "ESHAPE", "a view of " + shape_str(base.shape_) + " cannot have shape " + shape_str(shape_) + " (element counts differ)");
  ABW_CHECK(!base.released(), "EINVAL", "a view of a freed tensor");
}

Tensor::~Tensor() { release(); }

void Tensor::release() { storage_.reset(); }

int64_t Tensor::size(int64_t d) const {
  int64_t n = ndim();
  if (d < 0) d += n;
  ABW_CHECK(d >= 0 && d < n, "EINTERNAL", "dimension " + std::to_string(d) + " out of range for shape " + shape_str(shape_));
  return shape_[d];
}

}  // namespace abw
