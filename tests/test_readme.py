"""The README's pytest example runs as written, through the plugin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import run_with_pytest_asyncio

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_pytest_example_passes(pytester: pytest.Pytester) -> None:
    text = README.read_text("utf-8")
    marker = text.index("<!-- pytest example")
    block = re.search(r"```python\n(.*?)```", text[marker:], re.S)
    assert block is not None
    pytester.makepyfile(test_readme_example=block.group(1))
    shared = text.index("<!-- pytest shared example")
    block = re.search(r"```python\n(.*?)```", text[shared:], re.S)
    assert block is not None
    pytester.makepyfile(test_readme_shared=block.group(1))
    result = run_with_pytest_asyncio(pytester)
    result.assert_outcomes(passed=4)
