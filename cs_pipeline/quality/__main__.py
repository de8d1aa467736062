"""Print the raw tables' quality rules as Markdown: ``python -m cs_pipeline.quality``."""

from cs_pipeline.quality.rules import raw_table_spec, rules_markdown
from cs_pipeline.sources import EXTRACTS

if __name__ == "__main__":
    print(rules_markdown(raw_table_spec(e) for e in EXTRACTS))
