"""The CLI shell: one line per error in a fresh process, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from brightroom.cli.main import EXIT_ERROR, EXIT_USAGE, main

RAW = Path(__file__).parent / "data" / "raw" / "pidng-nomatrix.dng"


@pytest.mark.slow
def test_fresh_process_error_is_one_line(tmp_path):
    # a fresh interpreter imports colour-science, which warns about matplotlib on import
    photo = tmp_path / "flat.png"
    PILImage.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(photo)
    res = subprocess.run([sys.executable, "-m", "brightroom.cli.main", "lab", "measure", str(photo),
                          "--chart", "colorchecker"], capture_output=True, text=True, timeout=300)
    assert res.returncode == EXIT_ERROR
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("brightroom: error:") and "flat.png" in lines[0]


def test_no_command_is_usage(capsys):
    assert main([]) == EXIT_USAGE
    assert main(["--version"]) == 0


def test_one_command_builds_only_its_own_options():
    from brightroom.cli.main import _COMMANDS, build_parser

    parser = build_parser("develop")
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(_COMMANDS)  # every command still listed
    assert "--wb" in sub.choices["develop"].format_help()
    assert sub.choices["portrait"].format_help().count("--") <= 1  # only listed: -h
    full = build_parser()
    assert "--aperture" in next(a for a in full._actions if a.dest == "command").choices[
        "portrait"].format_help()


@pytest.mark.slow
def test_develop_loads_only_what_it_uses(tmp_path):
    """`brightroom develop` on a raw does not import the other rooms or their libraries
    (start-up time: colour-science alone costs about 1 s, scipy.ndimage 0.5 s)."""
    code = (
        "import sys\n"
        "from brightroom.cli.main import main\n"
        f"assert main(['develop', {str(RAW)!r}, '-o', {str(tmp_path / 'o.jpg')!r}]) == 0\n"
        "heavy = ('colour', 'skimage', 'mediapipe', 'av', 'tqdm', 'PIL', 'scipy.ndimage',\n"
        "         'scipy.fft', 'brightroom.burst', 'brightroom.lab', 'brightroom.looks',\n"
        "         'brightroom.charts', 'brightroom.portrait.photo')\n"
        "print(sorted(m for m in sys.modules if m in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
def test_develop_imports_no_numba_with_the_aot_build(tmp_path):
    """With the AOT kernels installed (`make aot`), one photo from the command line imports
    neither numba nor scipy (numba's import alone costs ~0.3 s; brightroom._jit)."""
    from brightroom import _jit

    if not _jit.MANIFEST.exists():
        pytest.skip("no AOT build installed (`make aot` builds it)")
    assert _jit.aot_status().startswith("used"), _jit.aot_status()
    code = (
        "import sys\n"
        "from brightroom.cli.main import main\n"
        f"assert main(['develop', {str(RAW)!r}, '-o', {str(tmp_path / 'o.jpg')!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'scipy', 'llvmlite')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
