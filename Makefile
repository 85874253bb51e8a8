# Thin wrapper around CMake: `make`, `make check`, `make install`, `make bench`.
BUILD ?= build
PREFIX ?= /usr/local
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

.PHONY: all configure check install uninstall deb bench bench-net bench-plot clean asan tsan liburing-check

all: configure
	cmake --build $(BUILD) -j $(JOBS)

configure:
	@test -f $(BUILD)/CMakeCache.txt || \
		cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

# ctest's summary does not show cases skipped inside a passing program: list them.
check: all
	cd $(BUILD) && { ctest --output-on-failure -j $(JOBS); st=$$?; \
		sh $(CURDIR)/tests/skipped-cases.sh .; exit $$st; }

install: all
	cmake --install $(BUILD) --prefix $(PREFIX)

asan:
	$(MAKE) check BUILD=build-asan CMAKE_FLAGS="-DRINGER_ASAN=ON -DRINGER_WERROR=ON"

tsan:
	$(MAKE) check BUILD=build-tsan CMAKE_FLAGS="-DRINGER_TSAN=ON -DRINGER_WERROR=ON"

# liburing 2.3's own test suite (Debian's source package, fetched and cached),
# on the kernel and under the shim on the engine, against tests/liburing/expected.tsv.
liburing-check: all
	./tests/liburing/run.sh --build $(BUILD)

clean:
	rm -rf build build-asan build-tsan

# The side-by-side benchmark (tools/ringer-bench) and its sweep plot.
bench: all
	./tools/run-bench.sh $(BUILD)

# The network mode: echo servers (kernel io_uring, engine, engine under the
# shim, epoll loop) under a loopback load at 1, 100 and 1,000 connections,
# three rounds (medians), about a minute and a half.  Apart from `make bench`, which stays within its two minutes.
bench-net: all
	$(BUILD)/tools/ringer-bench net -r 3 --json $(BUILD)/bench-net.json | tee $(BUILD)/bench-net.log

bench-plot: all
	./tools/plot-bench.sh $(BUILD)

# Remove what the last `make install` (or `cmake --install`) of this build
# tree wrote, as build/install_manifest.txt lists it.
uninstall:
	cmake --build $(BUILD) --target uninstall

# Debian packages (cmake/packaging.cmake): libringer0, libringer-dev and
# ringer-tools, built in their own tree for /usr (no tests, no RPATH but
# ringer-bench's private one), the .deb files copied to $(BUILD)/:
#   make deb && sudo apt-get install ./build/*.deb
DEB_BUILD ?= $(BUILD)/deb
deb:
	@test -f $(DEB_BUILD)/CMakeCache.txt || \
		cmake -S . -B $(DEB_BUILD) -DCMAKE_INSTALL_PREFIX=/usr \
			-DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINGER_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(DEB_BUILD) -j $(JOBS)
	rm -f $(DEB_BUILD)/*.deb
	cd $(DEB_BUILD) && cpack -G DEB
	mkdir -p $(BUILD)
	rm -f $(BUILD)/libringer0_*.deb $(BUILD)/libringer-dev_*.deb $(BUILD)/ringer-tools_*.deb
	cp $(DEB_BUILD)/*.deb $(BUILD)/
	@ls -l $(BUILD)/*.deb
