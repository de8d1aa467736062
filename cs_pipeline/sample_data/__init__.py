"""Deterministic sample extracts for cs360, shaped like the real exports.

Run ``python -m cs_pipeline.sample_data --out DIR --accounts N --seed S [--as-of YYYY-MM-DD]``.
Every file of :data:`cs_pipeline.sources.EXTRACTS` is written to ``DIR/<source>/<file>``
(the registry gives paths and column order), and nothing else. The same seed, account count
and as-of date give byte-identical files; all dates are relative to as-of.

What is in it
-------------
* ``N`` random accounts (mostly Customers, some Prospects and Former Customers, ~1% deleted)
  across AMER / EMEA / APJ / JAPAN with their users, opportunities, tasks, NPS responses,
  Zendesk organizations and ticket versions (~100 ticket rows per account), ERP customers,
  subscriptions, invoices, fx rates, LMS enrollments, entitlements and installations
  (:mod:`.generator`).
* Eight planted accounts whose every record is fixed and whose ``marts.customer_360`` values
  are known (:mod:`.planted`, with the stories of each).
* Unmatched records at small rates: orphan Salesforce ids (tasks, NPS, opportunities, ERP
  customers, Zendesk ``external_id``), organizations without any key, tickets without or
  with a deleted organization, ERP-only customers, lines/entitlements of unknown customers,
  learners on free-mail, subdomains or unknown domains; and, rarer, installations of
  entitlements the license report does not hold (quarantined as orphans, not unmatched).

Quirks, and which file carries them (byte-level ones are decided in :data:`.writers.STYLES`)
-------------------------------------------------------------------------------------------
* ``crm/Account.csv``: UTF-8 BOM, CRLF, every field quoted (as Salesforce's Data Export
  does), and **schema drift**: an extra ``NumberOfEmployees`` column inserted after
  ``Industry`` (in the middle, so only a loader reading by header name gets it right).
  Names with commas (``Blue Harbor, Inc.``), quotes (``The "Nova" Labs Company``), Japanese
  (``株式会社桜電機``) and full-width Latin (``ＳＡＫＵＲＡ電機``). ``Website`` as people type
  it: with or without scheme, ``www.`` or a path, sometimes capitalized, ~2% empty.
* ``crm/User.csv``, ``crm/Task.csv``: every field quoted; Japanese CSM names.
* ``crm/Opportunity.csv``: CRLF, every field quoted.
* ``crm/NPS_Response__c.csv``: UTF-8 BOM, every field quoted; comments with commas, ``""``
  quotes and line breaks (LF and CRLF) inside quoted fields.
* ``finance/customers.csv``: **Shift_JIS (cp932)** and CRLF, as saved by Japanese Excel,
  with Japanese and full-width names (``ＡＢＣ商事株式会社``). It is the only file that is
  ever not UTF-8; with ``shift_jis=False`` (CLI ``--all-utf8``) it is UTF-8 with BOM and
  CRLF instead.
* ``finance/subscriptions.csv``: CRLF.
* ``training/enrollments.csv``: UTF-8 BOM; fields with commas and quotes quoted; e-mail
  domains upper-case, on subdomains (``eu.<domain>``: a different domain) or free-mail;
  half-width katakana company names.
* ``support/tickets.jsonl``: the same ticket id once per version, rows ordered by
  ``updated_at`` (versions are not adjacent; one planted ticket's latest version comes before
  its older ones); null ``priority``/``type``; Japanese subjects as UTF-8, not ``\\u``
  escapes.
* ``support/organizations.jsonl``: ``external_id`` 18-char, 15-char, null (then only
  ``domain_names`` can match) or an id no account has; some organizations have no key at all.
* ``licenses/installations.csv``: versions ``9.10``/``2.10`` next to ``9.9``/``2.9``,
  ``-hotfix`` suffixes, a ``-beta1`` on some test installations.
* ``licenses/product_releases.csv``: a beta (non-GA) line, a GA release dated after as-of,
  lines past end of support.
* Every other CSV: plain UTF-8, LF, quoted only where needed.

15-character Salesforce ids appear in ``finance/customers.csv`` (``sfdc_account_id``),
``support/organizations.jsonl`` (``external_id``) and ``licenses/entitlements.csv``; the CRM
files always hold 18-character ids with the real checksum (:func:`.ids.sfdc_id_18`).
Zendesk ``custom_fields`` carry ``{"id": "product", ...}`` and ``{"id": "version", ...}``,
the field names the extract contract gives.
"""

from __future__ import annotations

from cs_pipeline.sample_data.generator import generate
from cs_pipeline.sample_data.ids import sfdc_id_18
from cs_pipeline.sample_data.planted import PlantedAccount, planted_accounts

__all__ = ["PlantedAccount", "generate", "planted_accounts", "sfdc_id_18"]
