"""cs360: a nightly customer-360 pipeline for Customer Success teams."""

import warnings

import dagster as dg

# Code references (with_source_code_references, dagster-dbt's) are beta APIs: their warnings
# would open every `make dev` and `make run` log without telling a data team anything.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
