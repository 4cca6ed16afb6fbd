# Brightroom: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

# ahead-of-time builds of the kernels the default recipes run (brightroom._jit): a one-photo
# command then imports no numba. Rebuilt when a kernel module changes; if the build fails, the
# kernels run just in time as before.
AOT := src/brightroom/_aot_kernels.json
KERNEL_SRC := $(shell grep -rl "brightroom._jit import" src/brightroom)
export OPENBLAS_NUM_THREADS ?= 1
export NUMBA_CACHE_DIR ?= $(CURDIR)/.venv/numba-cache

.PHONY: aot demo test test-fast lint bench clean install system fuzz

# Debian packages the project needs (programs it runs as tools or peers), installed when missing.
# A capability adds its own with `SYSTEM_PACKAGES += name`.
SYSTEM_PACKAGES := ffmpeg tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim chromium
# scan: pdftotext (the text-layer check of tests and benchmarks); the fonts the test pages are
# rendered in (DejaVu; Noto Sans CJK for Chinese)
SYSTEM_PACKAGES += poppler-utils fonts-dejavu-core fonts-noto-cjk

install: system $(STAMP) $(AOT)

$(AOT): $(STAMP) $(KERNEL_SRC) src/brightroom/_jit.py tools/build_aot.py
	$(PY) tools/build_aot.py || echo "AOT kernel build failed: kernels will run just in time"
	@# byte-code of the package, as a wheel install writes it (the first command compiles none)
	$(PY) -m compileall -q src/brightroom

system:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing system packages:$$missing"; \
	  SUDO=$$(command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "python3 -m venv failed; installing python3-venv"; \
	  apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q --no-deps 'mediapipe==0.10.21'
	$(PY) -m pip install -q --no-deps 'rapidocr-onnxruntime==1.4.4'
	@touch $(STAMP)

aot: $(AOT)

demo: system $(STAMP) $(AOT)
	$(VENV)/bin/brightroom demo -o out/demo --overwrite
	@# the studio step: the web app on a small library, screenshots in out/studio for people to look at
	$(PY) tools/studio_demo.py out/studio out/demo

test: system $(STAMP) $(AOT)
	$(PY) -m pytest -q

# every test but those marked slow (each over ~0.2 s warm): about 20-30 s once numba's cache is warm
test-fast: system $(STAMP) $(AOT)
	$(PY) -m pytest -q -m "not slow"

# each parser of untrusted files fuzzed for 5 minutes (make test runs each for 2 s);
# crash inputs are kept in $$BRIGHTROOM_FUZZ_CRASHES (see tests/data/fuzz/README.md)
FUZZ_SECONDS ?= 300
fuzz: system $(STAMP)
	cd tests && ../$(PY) test_fuzz.py $(FUZZ_SECONDS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) out build dist src/*.egg-info .pytest_cache
