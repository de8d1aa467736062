"""cs360: a nightly customer-360 pipeline for Customer Success teams."""
