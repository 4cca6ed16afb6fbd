"""The CLI shell: one line per error in a fresh process, exit codes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image as PILImage

from brightroom.cli.main import EXIT_ERROR, EXIT_USAGE, main


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
