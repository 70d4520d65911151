"""The README's client sections show exactly the lines the compatibility suite runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
START, END = "--- the README's lines", "--- end of the README's lines"

# README heading -> (file whose marked lines it must show, language of its code block)
CLIENTS = {
    "pyTwitchAPI": (HERE / "test_twitchapi.py", "python"),
    "TwitchIO": (HERE / "test_twitchio.py", "python"),
    "twurple": (HERE / "twurple" / "scenario.mjs", "js"),
}


def marked_lines(path: Path) -> list[str]:
    """The lines between the README markers in a test source, stripped of indentation."""
    lines = path.read_text("utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if START in line]
    assert len(starts) == 1, f"{path.name} needs exactly one README marker"
    begin = starts[0] + 1
    end = next(i for i in range(begin, len(lines)) if END in lines[i])
    return [line.strip() for line in lines[begin:end] if line.strip()]


def section_code(readme: str, heading: str, language: str) -> list[str] | None:
    """The stripped lines of the `language` code blocks under `### heading`, or None."""
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^##|\Z)", readme, re.M | re.S)
    if match is None:
        return None
    blocks = re.findall(rf"```{language}\n(.*?)```", match.group(1), re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def contains_run(haystack: list[str], needle: list[str]) -> bool:
    return any(haystack[i : i + len(needle)] == needle for i in range(len(haystack)))


def readme_sections() -> str:
    text = (HERE / "README.md").read_text("utf-8")
    start = text.index("<!-- README sections start -->")
    return text[start : text.index("<!-- README sections end -->")]


@pytest.mark.parametrize("client", list(CLIENTS))
def test_compat_readme_shows_the_tested_lines(client: str) -> None:
    source, language = CLIENTS[client]
    code = section_code(readme_sections(), client, language)
    assert code is not None, f"tests/compat/README.md has no '### {client}' section"
    assert contains_run(code, marked_lines(source)), (
        f"the {client} section does not show the lines {source.name} runs:\n"
        + "\n".join(marked_lines(source))
    )


@pytest.mark.parametrize("client", list(CLIENTS))
def test_project_readme_matches(client: str) -> None:
    source, language = CLIENTS[client]
    code = section_code((ROOT / "README.md").read_text("utf-8"), client, language)
    if code is None:
        pytest.skip(f"README.md has no '### {client}' section yet (see tests/compat/README.md)")
    assert contains_run(code, marked_lines(source)), (
        f"README.md's {client} section does not show the lines {source.name} runs"
    )
