// runtime/chan.h — channels (Go's chan.go): the runtime side; runtime/touchstone.h wraps it in
// a typed Chan<T>.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/runtime2.h"

namespace touchstone::runtime {

struct hchan;

hchan* makechan(std::size_t elemsize, std::size_t size);
void freechan(hchan* c);  // no goroutine may be blocked on it
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
