#!/usr/bin/env bash
# The native addon's tests under AddressSanitizer + UndefinedBehaviorSanitizer.
#
# Builds a separate sanitizer build of the addon (native/build-sanitize: ABW_SANITIZE=ON,
# ABW_FAULT_OPS=OFF, so nothing crashes or leaks on purpose) and runs the suites that reach
# native code (test/native, test/backends, the fuzzer) against it. Fails on any sanitizer
# report, from the test processes or from any process they start.
#
#   scripts/test-sanitized.sh              build (incremental) and test
#   ABW_SANITIZE_BUILD=DIR scripts/...     test an existing sanitizer build in DIR (no build)
#   scripts/test-sanitized.sh test/native  only these suites
#
# Node itself is not instrumented, so the ASan runtime is preloaded (LD_PRELOAD) ahead of it.
# detect_leaks=0: Node and V8 deliberately leave memory to the OS at exit (isolates, code
# space, the module cache), so LeakSanitizer would report thousands of "leaks" that are not the
# addon's; leaks of the addon's own tensors are covered by the tracked allocator's counters
# (test/native). Every other report halts the process (halt_on_error, and UBSan built with
# -fno-sanitize-recover) and is written to a log file that this script checks at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ "$(uname -s)" != Linux ]; then
  echo "test-sanitized: Linux with GCC only (LD_PRELOAD of libasan); skipped on $(uname -s)" >&2
  exit 0
fi

start=$(date +%s)
if [ -n "${ABW_SANITIZE_BUILD:-}" ]; then
  BUILD=$(cd "$ABW_SANITIZE_BUILD" && pwd)
else
  echo "== test-sanitized: building native/build-sanitize (ASan + UBSan, no fault ops)"
  (cd native && npx cmake-js compile --debug --out build-sanitize --CDABW_SANITIZE=ON --CDABW_FAULT_OPS=OFF >/tmp/abw-build-sanitize.log 2>&1) || {
    tail -50 /tmp/abw-build-sanitize.log >&2
    echo "test-sanitized: the sanitizer build failed (log: /tmp/abw-build-sanitize.log)" >&2
    exit 1
  }
  BUILD="$ROOT/native/build-sanitize/Debug"
fi
[ -f "$BUILD/abw_native.node" ] || { echo "test-sanitized: no abw_native.node in $BUILD" >&2; exit 1; }
built=$(date +%s)

CXX=${CXX:-g++}
LIBASAN=$($CXX -print-file-name=libasan.so)
LIBUBSAN=$($CXX -print-file-name=libubsan.so)
for lib in "$LIBASAN" "$LIBUBSAN"; do
  [ -f "$lib" ] || { echo "test-sanitized: $lib not found (install the compiler's sanitizer runtimes)" >&2; exit 1; }
done

LOGS=$(mktemp -d /tmp/abw-sanitizer-logs.XXXXXX)
SUITES=("$@")
[ ${#SUITES[@]} -gt 0 ] || SUITES=(test/native test/backends test/reliability/fuzz.test.ts)

# The compiled kernel-bridge must be current (isolated runs fork dist/); build it before the
# sanitizer runtime is preloaded into everything.
node node_modules/typescript/bin/tsc -b kernel-bridge >/dev/null 2>&1 || true

# native/index.js falls back to the normal build when a build does not load: make sure the
# sanitizer build is the one the tests get.
SAN_ENV=(ABW_NATIVE_BUILD="$BUILD" LD_PRELOAD="$LIBASAN $LIBUBSAN" ASAN_OPTIONS=detect_leaks=0)
env "${SAN_ENV[@]}" node -e '
  const b = require("./native").buildInfo();
  if (!/address/.test(b.sanitizers)) { console.error("test-sanitized: the addon that loads is not the sanitizer build: " + JSON.stringify(b)); process.exit(1); }' || exit 1

# The Python worker suites start CPython processes, which inherit LD_PRELOAD: ASan inside CPython
# then fails its shadow-memory mmap under the address-space limit of the out-of-memory test, and
# those suites reach no native code that the other backend suites do not.
EXCLUDE=(--exclude 'test/backends/worker-*.test.ts')

echo "== test-sanitized: ${SUITES[*]} (but ${EXCLUDE[1]}) against $BUILD"
set +e
env \
  ABW_NATIVE_BUILD="$BUILD" \
  LD_PRELOAD="$LIBASAN $LIBUBSAN" \
  ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=86:detect_stack_use_after_return=0:allocator_may_return_null=0:log_path=$LOGS/asan" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87:log_path=$LOGS/ubsan" \
  node node_modules/vitest/vitest.mjs run "${SUITES[@]}" "${EXCLUDE[@]}" 2>&1 | tee "$LOGS/vitest.out"
rc=${PIPESTATUS[0]}
set -e
end=$(date +%s)

# Reports that went to a stream instead of a log file (UBSan, reports of child processes).
grep -E 'runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|SUMMARY: (Address|UndefinedBehavior)Sanitizer' "$LOGS/vitest.out" >"$LOGS/stream-reports" || true
rm -f "$LOGS/vitest.out"
reports=$(find "$LOGS" -type f -size +0 | sort)
if [ -n "$reports" ]; then
  echo "test-sanitized: sanitizer reports:" >&2
  for f in $reports; do
    echo "---- $f" >&2
    head -80 "$f" >&2
  done
  echo "test-sanitized: FAILED (sanitizer reports above; build $((built - start)) s, tests $((end - built)) s)" >&2
  exit 1
fi
rm -rf "$LOGS"
if [ $rc -ne 0 ]; then
  echo "test-sanitized: FAILED (tests exit code $rc; build $((built - start)) s, tests $((end - built)) s)" >&2
  exit $rc
fi
echo "test-sanitized: clean (build $((built - start)) s, tests $((end - built)) s)"
