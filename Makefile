# The two commands of the README: `make demo` (main job) and `make test` (test suite).
# Each creates .venv on first use and installs what it needs; the cache stays in the project.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
export LEAKYOLO_CACHE ?= $(CURDIR)/.cache/leakyolo

.PHONY: demo test install clean qemu

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[train,dev,openvino-export,ncnn-export]'
	touch $@

demo: install qemu
	$(VENV)/bin/leakyolo pipeline

# The emulated-ARM stage needs qemu-user: installed here where apt and root allow (as .ci/run does);
# elsewhere the pipeline skips that stage and says so.
qemu:
	@command -v qemu-aarch64 >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends qemu-user >/dev/null; } || \
		echo "make demo: qemu-user not installed (run: sudo apt-get install qemu-user); emulated ARM skipped"

test: install
	$(PY) -m pytest

clean:
	rm -rf $(VENV) .cache runs
