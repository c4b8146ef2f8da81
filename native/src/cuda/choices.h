// Which library algorithm or engine a prepared op chose, for the benchmark record. The C API
// has no field for it, so it goes beside the results: with ABW_CUDA_CHOICES set to a file path,
// each choice is appended there as one JSON line ("-": stderr), the first time a prepare makes or
// reuses it for a `key` in this process. bench/cuda-vs-torch/run.js reads the lines back into its
// record. Without the variable nothing is written; a failed write is ignored.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace abw::cuda {

// "0.034 ms": a timing as the records' summaries print it.
std::string ms_text(float ms);

class ChoiceRecord {
 public:
  ChoiceRecord& str(const char* name, const std::string& value);
  ChoiceRecord& num(const char* name, double value);
  // Appends the line unless this key was recorded already.
  void emit(const std::string& key) const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;  // name, JSON value
};

}  // namespace abw::cuda
