"""``siting serve`` refuses unsafe or invalid settings before starting (CliRunner)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from siting.cli import cli


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SITING_API_KEYS", raising=False)
    monkeypatch.delenv("SITING_HOST", raising=False)


def test_refuses_a_public_address_without_keys(clean_env: None) -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "0"], obj={})
    assert result.exit_code == 2
    assert "refusing to listen on '0.0.0.0' without API keys" in result.output


def test_bad_setting_is_one_line_exit_2(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITING_JOB_WORKERS", "zero")
    result = CliRunner().invoke(cli, ["serve"], obj={})
    assert result.exit_code == 2
    assert "invalid service setting job_workers" in result.output
    assert "'zero'" in result.output


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"], obj={})
    assert result.exit_code == 0
    for option in ("--host", "--port", "--data-dir", "--allow-anonymous"):
        assert option in result.output
