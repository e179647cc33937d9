#pragma once

#include <string_view>

namespace atalaya {

// Names the calling thread for `top -H`, `perf` and debuggers, so an operator can see which
// part of the server uses the CPU (IO, a model's batcher, the log writer, ...). Linux keeps the
// first 15 bytes. Call first thing in a thread's loop.
void nameCurrentThread(std::string_view name);

}  // namespace atalaya
