"""The README's Python snippet runs as written (with the data mirror)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_readme_has_one_python_snippet() -> None:
    assert len(readme_python_blocks()) == 1


@pytest.mark.realdata
def test_readme_python_snippet_runs(
    mirror: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.setenv("SITING_DATA_MIRROR", str(mirror.resolve()))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITING_CACHE_DIR", str(tmp_path / "cache"))
    exec(compile(readme_python_blocks()[0], "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "rank" in printed and "site_id" in printed
    assert (tmp_path / "inference_map.html").stat().st_size > 10_000
    assert (tmp_path / "results" / "inference-api" / "summary.md").is_file()
