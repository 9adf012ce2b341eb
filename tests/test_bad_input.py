"""The bad-input contract: each case behaves as the docs page says, and the page is up to date."""

import re
from pathlib import Path

import pytest
from bad_input_cases import CASES, render_page, run_case

PAGE = Path(__file__).resolve().parents[1] / "docs" / "bad_input.md"


def test_the_contract_has_enough_rows():
    assert len(CASES) >= 35


@pytest.mark.parametrize("case", CASES, ids=[f"{case.area}: {case.given}" for case in CASES])
def test_bad_input_behaves_as_documented(case, tmp_path):
    if case.raises is None:
        caught = run_case(case, tmp_path)
    else:
        with pytest.raises(Exception) as info:
            run_case(case, tmp_path)
        assert type(info.value).__name__ == case.raises or case.raises in {
            cls.__name__ for cls in type(info.value).__mro__
        }, f"{type(info.value).__name__}: {info.value}"
        assert re.search(case.match, str(info.value)), str(info.value)
        return
    if case.warns is not None:
        assert case.warns in caught, caught


def test_docs_page_is_generated_from_the_cases():
    assert PAGE.read_text(encoding="utf-8") == render_page(), (
        "docs/bad_input.md is out of date: python tests/bad_input_cases.py > docs/bad_input.md"
    )
