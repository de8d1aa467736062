"""Print a stage's quality rules as Markdown: ``python -m cs_pipeline.quality [raw|staging|marts]``
(raw when no stage is named)."""

import sys

from cs_pipeline.quality.model_rules import mart_specs, staging_specs
from cs_pipeline.quality.rules import raw_table_spec, rules_markdown
from cs_pipeline.sources import EXTRACTS

STAGES = {
    "raw": lambda: [raw_table_spec(e) for e in EXTRACTS],
    "staging": staging_specs,
    "marts": mart_specs,
}

if __name__ == "__main__":
    stage = sys.argv[1] if len(sys.argv) > 1 else "raw"
    if stage not in STAGES:
        sys.exit(f"usage: python -m cs_pipeline.quality [{'|'.join(STAGES)}]")
    print(rules_markdown(STAGES[stage]()))
