// runtime/chan.h — channels (Go's chan.go): the runtime side; runtime/touchstone.h wraps it in
// a typed Chan<T>.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/runtime2.h"

namespace touchstone::runtime {

struct hchan;

// One allocation holds the channel and its buffer (Go's makechan). The channel starts with one
// reference; chanref/chanunref count the handles that share it (touchstone::Chan<T> copies)
// and the last chanunref frees it.
hchan* makechan(std::size_t elemsize, std::size_t size);
void chanref(hchan* c);
void chanunref(hchan* c);
// Blocks until the value at ep is delivered. Sending on a closed channel is fatal.
void chansend(hchan* c, const void* ep);
// Blocks until a value arrives (copied to ep, returns true) or the channel is closed and empty
// (ep zeroed, returns false).
bool chanrecv(hchan* c, void* ep);
// Closing a closed channel is fatal.
void closechan(hchan* c);
std::size_t chanlen(hchan* c);
std::size_t chancap(hchan* c);

}  // namespace touchstone::runtime
