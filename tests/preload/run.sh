#!/bin/sh
# run.sh SHIM CMD...: run CMD with the shim preloaded.  A sanitizer build's
# shim needs its runtime first in LD_PRELOAD.
shim=$1
shift
rt=$(ldd "$shim" 2>/dev/null | awk '/lib(asan|tsan|ubsan)\.so/ { print $3; exit }')
LD_PRELOAD="${rt:+$rt:}$shim${LD_PRELOAD:+:$LD_PRELOAD}"
export LD_PRELOAD
exec "$@"
