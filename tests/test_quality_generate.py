"""The files generated from the rule declarations (cs_pipeline/sources.py) are up to date.

Regenerates every file in memory and compares it with the committed one: a rule changed in
the registry without regenerating (or a generated file edited by hand) fails here.
"""

import re

from cs_pipeline.quality.generate import HEADER, generated_files, main, quarantine_sql
from cs_pipeline.sources import EXTRACTS, SOURCES, quality


def test_generated_files_are_not_stale() -> None:
    stale = [
        str(path)
        for path, text in generated_files().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], "run: python -m cs_pipeline.quality.generate"
    assert main(["--check"]) == 0


def test_generated_models_say_so_in_their_first_line() -> None:
    for path, text in generated_files().items():
        if path.suffix == ".sql":
            assert text.splitlines()[0] == HEADER, path


def test_each_rule_is_evaluated_once_per_row_in_declared_order() -> None:
    for source in SOURCES:
        sql = quarantine_sql(source)
        for e in (e for e in EXTRACTS if e.source == source and quality(e).rules):
            checked = sql.split(f"{e.entity}_checked as (")[1].split(f"{e.entity}_quarantined")[0]
            n = len(quality(e).rules)
            assert re.findall(r"as broken_(\d+)", checked) == [str(i) for i in range(1, n + 1)]
            first = sql.split(f"{e.entity}_quarantined as (")[1].split("end as rule_number")[0]
            assert re.findall(r"when broken_(\d+) then", first) == [str(i) for i in range(1, n + 1)]
