"""cs360: a nightly customer-360 pipeline for Customer Success teams."""

import warnings

# Dagster's BetaWarning (`dg.BetaWarning`), from the small package that defines it: importing
# all of dagster here would cost every process that imports any cs360 module 0.8 s of CPU,
# `cs360-dbt` (cs_pipeline/dbt_cli.py) included, which runs no Dagster at all.
from dagster_shared.utils.warnings import BetaWarning

# Code references (with_source_code_references, dagster-dbt's) are beta APIs: their warnings
# would open every `make dev` and `make run` log without telling a data team anything.
warnings.filterwarnings("ignore", category=BetaWarning)
