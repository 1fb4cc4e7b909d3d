"""The hostile-document corpus (fixtures.hostile): every bomb is one line and exit status 2.

``bench/bench_hostile.py`` measures the seconds and peak memory of each; here each must
end as a named fault, whichever of the readers' budgets or the worker's limits stops it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from fixtures.hostile import BOMBS, SLOW, build
from nianbao.cli import main

pytestmark = pytest.mark.slow
FAST = sorted(set(BOMBS) - SLOW)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    build(folder, FAST)
    return folder


@pytest.mark.parametrize("name", FAST)
def test_a_bomb_is_one_line_and_exit_2(corpus: Path, name: str) -> None:
    result = CliRunner().invoke(main, ["parse", str(corpus / name)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output[-2000:]
    reason = re.search(r"\((\w+)\)$", lines[0])
    assert reason and reason.group(1) in BOMBS[name][1], lines[0]


@pytest.mark.deep
@pytest.mark.parametrize("name", sorted(SLOW))
def test_a_slow_bomb_is_one_line_and_exit_2(tmp_path: Path, name: str) -> None:
    (path,) = build(tmp_path, [name])
    result = CliRunner().invoke(main, ["parse", str(path)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output[-2000:]
