"""Planted accounts: hand-written records with hand-computed ``marts.customer_360`` values.

The random sample exercises volume and variety; these six accounts pin down the *rules* of
the output contract. Every record related to them is fixed (dates are offsets from the
as-of date, amounts are literal), the generator writes them alongside the random accounts,
and :func:`planted_accounts` gives the figures the contract implies, worked out by hand
below (no SQL), so an end-to-end test can compare ``marts.customer_360`` row by row.

Conventions used by the expectations (the contract's literal reading):

* "the 90 days up to and including as-of" are the dates ``as_of - 89`` .. ``as_of`` (date of
  the UTC timestamp); a ticket created at ``as_of - 90`` 23:59:50Z is outside.
* subscription lines count when ``start_date <= as_of < end_date``; entitlements when
  ``start_date <= as_of <= expiry_date``; an invoice is overdue when ``due_date < as_of``;
  end of support has passed when ``end_of_support_date < as_of``.
* money is compared with a tolerance of 0.01 USD, ratios with a relative tolerance of 1e-6.

The stories (``D`` is the as-of date, ``M`` its month):

``kestrel`` — Kestrel Analytics GmbH (EMEA, Enterprise, EUR, CSM Marcus Webb). The happy
path for keys: every system uses the 18-character id. ARR is three active EUR lines
(240k + 60k + 36k = 336k EUR at the EUR rate of M); an expired TAM line, a cancelled line and
a booked renewal starting D+45 do not count. Tickets test versions and windows: a ticket
whose *latest* version (written first in the file, before its older versions) is closed
is not open; ``tickets_90d`` includes a ticket created D-89 00:00:05Z and excludes one
created D-90 23:59:50Z, whose solved_at (D-85) still counts for CSAT; an ``offered`` rating
is ignored (CSAT 3 good / 1 bad = 0.75). NPS: D-300 6, D-40 9, and a D+3 response that
is after as-of. Training: one learner with two completions, one with an upper-case domain
completed D 23:10Z (both count), an in-progress learner, a subdomain learner
(``eu.kestrel-analytics.de``), a gmail learner and a completion dated D+1 (none count).
Production ORB 9.9.3 is three lines behind (9.10, 10.0, 10.1; the 10.2 beta is not GA) and
9.9's end of support is still ahead. The latest completed task is D-12; a deleted call at
D-3 and an email not started at D-5 do not count.

``hokusei`` — 株式会社北星精機 (JAPAN, Enterprise, JPY, CSM 田中 愛子). Every other system stores
the **15-character** id. JPY has no fx rate for M, so ARR (22,800,000 JPY) and the overdue
invoice (1,250,000 JPY) use the rate of M-1. Production ORB 9.10.1-hotfix1 is two lines
behind (10.0, 10.1): a text comparison of "9.10" would get this wrong. One entitlement has
no Salesforce id and reaches the account through its ERP ``customer_code``. Its only
CSAT rating is bad (0.0), the latest NPS is 3, a learner with an upper-case domain counts,
a ``jp.`` subdomain learner and a yahoo.co.jp learner do not.

``kestrel_uk`` — Kestrel Analytics UK Ltd (EMEA, Mid-Market, GBP, child of ``kestrel``).
Its 15-character id ``001Dn00000HKSEI`` differs from Hokusei's ``001Dn00000HkSeI`` only
in case: a case-insensitive match would merge the two. Its Zendesk org uses that 15-char
id. One GBP line ends exactly on D (not active, excluded from ARR and tier); the other
renews D+1. An entitlement expiring on D still counts (``<=``); another entitlement billed
to Brightwater's ERP customer carries this account's Salesforce id, which wins. Production
runs QSR 1.0.3 and NEB 4.1.2, both past end of support (NEB three lines behind). An
invoice due exactly on D is not overdue; an old GBP 750.50 one is. No tickets, NPS or
learners: counts are 0 and ratios null. The parent's figures never include this child.

``brightwater`` — Brightwater Logistics, Inc. (AMER, Mid-Market, USD, CSM Priya Nair, an
inactive user who still owns the account). Reached only through the ERP customer number
(entitlements without Salesforce id) and Zendesk domain (org without external_id whose
``domain_names`` hold the Website's domain). A TAM line starting exactly on D counts. An
ERP customer with the same company name but no Salesforce id, and a Zendesk org named
"Brightwater Logistics (old)" without keys, must stay unmatched (names are never keys),
as must a ticket without organization from an @brightwater-logistics.com requester.
Ratings are only offered/unoffered (CSAT null); only future or deleted tasks (activity
null). An entitlement starting D+1 is not active. PUL 2.10.4 is one line behind 2.11.

``tern`` and ``tern_group`` — Tern Systems Ltd and its parent Tern Systems Group (EMEA,
Mid-Market, USD, CSM Marcus Webb): twins identical but for size, so their health scores must
be equal. Tern Systems has 200 seats, Tern Systems Group 800; every volume that grows with
size is in proportion to the health score's size units, sqrt(seats / 100) = 1.414 and 2.828
(docs/health_score.md): 1 and 2 open urgent tickets, 2 and 4 trained users, 3 and 6 tickets
in the baseline; ratios are equal (150 / 600 seats in use, 1,000 / 4,000 USD overdue on
40,000 / 160,000 USD ARR, ticket trend 1.0), and both have an NPS 9, a completed task at D-20
and current ORB 10.1. Both score 88 (healthy). The group's ParentId points to an account
missing from Account.csv, so its chain ends at itself; Tern Systems is its child. Engagement
falls for both: the tasks and training completions of the twins lie in D-179 .. D-90.

Stale installations (``as_of - last check-in date > 30``): Kestrel's NEB production checked in
at D-31 (stale) and its ORB production at D-30 (not stale: the boundary); Kestrel UK's QSR
production checked in at D-45 and its NEB production never (both stale); Brightwater's
staging installation checked in at D-100 (not production: not counted).

``northwind`` — Northwind Robotics, a Prospect with an org, an urgent open ticket, a
learner and an NPS response: its records are matched, but it has no customer_360 row.

``old_mill`` — Old Mill Foods Ltd, a Customer with ``IsDeleted=true`` and an active
subscription, open ticket and overdue invoice: no customer_360 row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from cs_pipeline.sample_data.catalog import fx_rate_as_of
from cs_pipeline.sample_data.ids import sfdc_id_18
from cs_pipeline.sources import EXTRACTS

# --- keys (also used by tests to prove the random sample never collides with them) ---------

KESTREL_15 = "001Dn00000KsTrL"
HOKUSEI_15 = "001Dn00000HkSeI"
KESTREL_UK_15 = "001Dn00000HKSEI"  # Hokusei's id in another case
BRIGHTWATER_15 = "001Dn00000BrWtR"
NORTHWIND_15 = "001Dn00000NwRbT"
OLD_MILL_15 = "001Dn00000OlDmL"
TERN_15 = "001Dn00000TrnSm"
TERN_GROUP_15 = "001Dn00000TrnGp"
TERN_MISSING_PARENT_15 = "001Dn00000TrnHd"  # not in Account.csv

KESTREL = sfdc_id_18(KESTREL_15)
HOKUSEI = sfdc_id_18(HOKUSEI_15)
KESTREL_UK = sfdc_id_18(KESTREL_UK_15)
BRIGHTWATER = sfdc_id_18(BRIGHTWATER_15)
NORTHWIND = sfdc_id_18(NORTHWIND_15)
OLD_MILL = sfdc_id_18(OLD_MILL_15)
TERN = sfdc_id_18(TERN_15)
TERN_GROUP = sfdc_id_18(TERN_GROUP_15)
TERN_MISSING_PARENT = sfdc_id_18(TERN_MISSING_PARENT_15)

USER_MARCUS = sfdc_id_18("005Dn00000CsMwB")
USER_AIKO = sfdc_id_18("005Dn00000CsAtK")
USER_PRIYA = sfdc_id_18("005Dn00000CsPnR")

PLANTED_ACCOUNT_IDS = (KESTREL, HOKUSEI, KESTREL_UK, BRIGHTWATER, NORTHWIND, OLD_MILL, TERN,
                       TERN_GROUP)
PLANTED_USER_IDS = (USER_MARCUS, USER_AIKO, USER_PRIYA)
PLANTED_DOMAINS = (
    "kestrel-analytics.de", "kestrel-analytics.co.uk", "hokusei-seiki.co.jp",
    "brightwater-logistics.com", "northwind-robotics.io", "old-mill-foods.co.uk",
    "bw-logistics.net", "bwlogistics.net", "tern-systems.io", "tern-systems-group.io",
)
PLANTED_CUSTOMER_NUMBERS = tuple(f"C-{n:06d}" for n in (101, 102, 103, 104, 106, 107, 108, 109,
                                                        110))
PLANTED_ORG_IDS = tuple(range(350000000001, 350000000010))
PLANTED_TICKET_IDS = (101, 102, 103, 104, 105, 106, 107, 108, 109, 201, 202, 203, 401, 402,
                      403, 404, 501, 601, 701, 811, 812, 813, 814, 911, 912, 913, 914, 915, 916,
                      917, 918)


@dataclass(frozen=True)
class PlantedAccount:
    """One planted CRM account and what ``marts.customer_360`` must say about it."""

    key: str
    account_id: str
    name: str
    story: str
    in_customer_360: bool
    # customer_360 column -> value (None for null); empty when the account has no row.
    expected: dict[str, object] = field(default_factory=dict)
    # Further customer_360 columns worked out by hand (health, signals; docs/health_score.md
    # works Kestrel's score through): checked end to end, not by the plain contract reading of
    # tests/test_sample_data.py.
    derived: dict[str, object] = field(default_factory=dict)


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def planted_accounts(as_of: dt.date) -> list[PlantedAccount]:
    """The planted accounts with their expected ``customer_360`` values on ``as_of``."""
    eur = fx_rate_as_of("EUR", as_of)  # rate of the as-of month
    gbp = fx_rate_as_of("GBP", as_of)
    jpy = fx_rate_as_of("JPY", as_of)  # JPY lags: the rate of the month before

    def day(n: int) -> dt.date:
        return as_of + dt.timedelta(days=n)

    def row(account_id: str, name: str, parent: str | None, region: str, segment: str,
            csm: str, **figures: object) -> dict[str, object]:
        return {
            "account_id": account_id, "account_name": name, "parent_account_id": parent,
            "region": region, "segment": segment, "csm_name": csm, "as_of_date": as_of,
            **figures,
        }

    def derived(score: int, band: str, drivers: str, coverage: float, *, signal_days: int,
                last_90d: int, prior_90d: int, trend: str) -> dict[str, object]:
        return {
            "health_score": score, "health_band": band, "health_drivers": drivers,
            "health_coverage": coverage,
            "health_confidence": "high" if coverage >= 0.8 else "medium" if coverage >= 0.6
            else "low",
            "days_since_customer_signal": signal_days, "customer_silent": signal_days >= 180,
            "engagement_last_90d": last_90d, "engagement_prior_90d": prior_90d,
            "engagement_trend": trend,
        }

    return [
        PlantedAccount(
            "kestrel", KESTREL, "Kestrel Analytics GmbH",
            "18-char ids everywhere; EUR ARR; ticket versions, 90-day boundary, CSAT, "
            "NPS after as-of ignored, subdomain/free-mail learners, ORB 9.9 three lines behind.",
            True,
            row(KESTREL, "Kestrel Analytics GmbH", None, "EMEA", "Enterprise", "Marcus Webb",
                arr_usd=_money(Decimal(240000 + 60000 + 36000) * eur),
                next_renewal_date=day(45), days_to_renewal=45, support_tier="TAM",
                open_tickets=3, urgent_open_tickets=2, tickets_90d=7, csat_90d=0.75,
                nps_latest=9, trained_users=2, seats_purchased=600, seats_in_use=495,
                seat_utilization=495 / 600, max_versions_behind=3, is_version_current=False,
                is_end_of_support=False, overdue_amount_usd=_money(Decimal(36000) * eur),
                days_since_last_activity=12, ultimate_parent_account_id=KESTREL,
                owner_is_active=True, has_finance_record=True,
                stale_production_installations=1, stale_production_seats=85),
            derived(69, "monitor", "support -12.0; financial -5.0; training -5.0", 1.0,
                    signal_days=0, last_90d=10, prior_90d=3, trend="rising"),
        ),
        PlantedAccount(
            "hokusei", HOKUSEI, "株式会社北星精機",
            "15-char ids in ERP, Zendesk and licenses; JPY with fx month fallback; "
            "9.10.1-hotfix1 two lines behind; entitlement via ERP customer_code.",
            True,
            row(HOKUSEI, "株式会社北星精機", None, "JAPAN", "Enterprise", "田中 愛子",
                arr_usd=_money(Decimal(18_000_000 + 4_800_000) * jpy),
                next_renewal_date=day(165), days_to_renewal=165, support_tier="TAM",
                open_tickets=1, urgent_open_tickets=0, tickets_90d=2, csat_90d=0.0,
                nps_latest=3, trained_users=2, seats_purchased=1200, seats_in_use=930,
                seat_utilization=930 / 1200, max_versions_behind=2, is_version_current=False,
                is_end_of_support=False, overdue_amount_usd=_money(Decimal(1_250_000) * jpy),
                days_since_last_activity=45, ultimate_parent_account_id=HOKUSEI,
                owner_is_active=True, has_finance_record=True,
                stale_production_installations=0, stale_production_seats=0),
            derived(55, "at_risk", "sentiment -15.0; support -7.5; adoption -5.0", 1.0,
                    signal_days=5, last_90d=6, prior_90d=1, trend="rising"),
        ),
        PlantedAccount(
            "kestrel_uk", KESTREL_UK, "Kestrel Analytics UK Ltd",
            "Child of kestrel; 15-char id equal to Hokusei's but for case; line ending on "
            "as-of excluded; entitlement expiring on as-of included; end-of-support lines.",
            True,
            row(KESTREL_UK, "Kestrel Analytics UK Ltd", KESTREL, "EMEA", "Mid-Market",
                "Marcus Webb",
                arr_usd=_money(Decimal(18000) * gbp),
                next_renewal_date=day(1), days_to_renewal=1, support_tier="Standard",
                open_tickets=0, urgent_open_tickets=0, tickets_90d=0, csat_90d=None,
                nps_latest=None, trained_users=0, seats_purchased=90, seats_in_use=62,
                seat_utilization=62 / 90, max_versions_behind=3, is_version_current=False,
                is_end_of_support=True, overdue_amount_usd=_money(Decimal("750.50") * gbp),
                days_since_last_activity=400, ultimate_parent_account_id=KESTREL,
                owner_is_active=True, has_finance_record=True,
                stale_production_installations=2, stale_production_seats=50),
            derived(50, "at_risk", "engagement -17.6; training -11.8; version -11.8", 0.85,
                    signal_days=400, last_90d=0, prior_90d=0, trend="steady"),
        ),
        PlantedAccount(
            "brightwater", BRIGHTWATER, "Brightwater Logistics, Inc.",
            "Matched only via ERP customer_number and Zendesk domain; name twins stay "
            "unmatched; line starting on as-of counts; no activity, no CSAT.",
            True,
            row(BRIGHTWATER, "Brightwater Logistics, Inc.", None, "AMER", "Mid-Market",
                "Priya Nair",
                arr_usd=85000.0, next_renewal_date=day(115), days_to_renewal=115,
                support_tier="TAM", open_tickets=1, urgent_open_tickets=0, tickets_90d=3,
                csat_90d=None, nps_latest=None, trained_users=1, seats_purchased=180,
                seats_in_use=135, seat_utilization=0.75, max_versions_behind=1,
                is_version_current=True, is_end_of_support=False, overdue_amount_usd=8000.0,
                days_since_last_activity=None, ultimate_parent_account_id=BRIGHTWATER,
                owner_is_active=False, has_finance_record=True,
                stale_production_installations=0, stale_production_seats=0),
            derived(51, "at_risk", "engagement -17.6; support -11.8; adoption -5.9", 0.85,
                    signal_days=3, last_90d=3, prior_90d=1, trend="rising"),
        ),
        *(PlantedAccount(
            key, account_id, name,
            f"Size twin with {seats} seats: scores what its twin scores "
            "(see the module docstring).",
            True,
            row(account_id, name, parent, "EMEA", "Mid-Market", "Marcus Webb",
                arr_usd=arr, next_renewal_date=day(100), days_to_renewal=100,
                support_tier="Premium", open_tickets=k, urgent_open_tickets=k, tickets_90d=k,
                csat_90d=None, nps_latest=9, trained_users=2 * k, seats_purchased=seats,
                seats_in_use=seats * 3 // 4, seat_utilization=0.75, max_versions_behind=0,
                is_version_current=True, is_end_of_support=False, overdue_amount_usd=arr / 40,
                days_since_last_activity=20, ultimate_parent_account_id=TERN_GROUP,
                owner_is_active=True, has_finance_record=True,
                stale_production_installations=0, stale_production_seats=0),
            derived(88, "healthy", "adoption -5.0; financial -2.5; training -2.5", 1.0,
                    signal_days=10, last_90d=k + 1, prior_90d=4 * k + 4, trend="falling"),
        ) for key, account_id, name, parent, seats, k, arr in (
            ("tern", TERN, "Tern Systems Ltd", TERN_GROUP, 200, 1, 40000.0),
            ("tern_group", TERN_GROUP, "Tern Systems Group", TERN_MISSING_PARENT, 800, 2,
             160000.0),
        )),
        PlantedAccount(
            "northwind", NORTHWIND, "Northwind Robotics",
            "Prospect with matched support, training and NPS records: no customer_360 row.",
            False,
        ),
        PlantedAccount(
            "old_mill", OLD_MILL, "Old Mill Foods Ltd",
            "Deleted Customer with an active subscription: no customer_360 row.",
            False,
        ),
    ]


# --- the records ---------------------------------------------------------------------------

_COLUMNS = {e.file: e.columns for e in EXTRACTS}


def planted_renewals(as_of: dt.date) -> list[dict[str, object]]:
    """The ``marts.renewals`` rows of the planted customers on ``as_of``, worked out by hand.

    Kestrel: CTR-0000101 (ORB Premium 240k + NEB TAM 60k EUR, both auto-renew) renews D+45 and
    has the open Renewal opportunity in Negotiation/Review; CTR-0000102 (D+265) is beyond 180
    days and CTR-0000105 starts D+45 (not active). Hokusei: CTR-0000201 (ORB TAM + PUL Premium,
    22.8 M JPY at the rate of M-1) renews D+165. Kestrel UK: CTR-0000301 renews D+1;
    CTR-0000302 ends on D, so it is not active and not a renewal. Brightwater: CTR-0000401
    (PUL Premium 42k + ORB Standard 30k USD) renews D+115 and the account has no open Renewal
    opportunity (only a won Upsell); CTR-0000402 (D+335) and CTR-0000403 (D+365) are too far.
    Old Mill is deleted and C-000108 reaches no account: none of their lines is a renewal.
    """
    eur = fx_rate_as_of("EUR", as_of)
    gbp = fx_rate_as_of("GBP", as_of)
    jpy = fx_rate_as_of("JPY", as_of)

    def renewal(account_id: str, contract: str, days: int, arr: float, tier: str,
                products: str, window: str, opportunity: int | None,
                stage: str | None) -> dict[str, object]:
        return {
            "account_id": account_id, "contract_id": contract,
            "renewal_date": as_of + dt.timedelta(days=days), "days_to_renewal": days,
            "arr_usd": arr, "support_tier": tier, "product_codes": products,
            "auto_renew": True, "renewal_window": window,
            "renewal_opportunity_id": None if opportunity is None
            else sfdc_id_18(f"006Dn00000P{opportunity:04d}"),
            "renewal_opportunity_stage": stage,
        }

    return [
        renewal(KESTREL, "CTR-0000101", 45, _money(Decimal(300000) * eur), "TAM", "NEB,ORB",
                "60d", 2, "Negotiation/Review"),
        renewal(HOKUSEI, "CTR-0000201", 165, _money(Decimal(22_800_000) * jpy), "TAM",
                "ORB,PUL", "180d", 4, "Proposal/Price Quote"),
        renewal(KESTREL_UK, "CTR-0000301", 1, _money(Decimal(18000) * gbp), "Standard", "QSR",
                "60d", 5, "Prospecting"),
        renewal(BRIGHTWATER, "CTR-0000401", 115, 72000.0, "Premium", "ORB,PUL", "120d", None,
                None),
    ]


def _csv(file: str, **values: str) -> dict[str, str]:
    unknown = set(values) - set(_COLUMNS[file]) - {"NumberOfEmployees"}
    if unknown:
        raise ValueError(f"{file}: not a column: {unknown}")
    return {c: values.get(c, "") for c in _COLUMNS[file]} | (
        {"NumberOfEmployees": values.get("NumberOfEmployees", "")}
        if file == "crm/Account.csv" else {})


def planted_records(as_of: dt.date) -> dict[str, list[dict[str, object]]]:
    """Rows per extract file: CSV rows as column -> text, JSONL rows as JSON objects."""

    def d(n: int) -> str:
        return (as_of + dt.timedelta(days=n)).isoformat()

    def sf(n: int, hms: str = "09:00:00") -> str:
        return f"{d(n)}T{hms}.000+0000"

    def z(n: int, hms: str = "09:00:00") -> str:
        return f"{d(n)}T{hms}Z"

    recs: dict[str, list[dict[str, object]]] = {e.file: [] for e in EXTRACTS}

    # crm/User.csv
    for uid, name, email, active in (
        (USER_MARCUS, "Marcus Webb", "marcus.webb", "true"),
        (USER_AIKO, "田中 愛子", "aiko.tanaka", "true"),
        (USER_PRIYA, "Priya Nair", "priya.nair", "false"),
    ):
        recs["crm/User.csv"].append(_csv("crm/User.csv", Id=uid, Name=name,
                                         Email=f"{email}@orbitsoft.example", IsActive=active))

    # crm/Account.csv
    for (aid, name, parent, typ, industry, employees, website, country, region, segment,
         owner, created, deleted) in (
        (KESTREL, "Kestrel Analytics GmbH", "", "Customer", "Technology", "2400",
         "https://www.kestrel-analytics.de/", "Germany", "EMEA", "Enterprise", USER_MARCUS,
         -1500, "false"),
        (HOKUSEI, "株式会社北星精機", "", "Customer", "Manufacturing", "5100",
         "http://hokusei-seiki.co.jp", "Japan", "JAPAN", "Enterprise", USER_AIKO, -1300,
         "false"),
        (KESTREL_UK, "Kestrel Analytics UK Ltd", KESTREL, "Customer", "Technology", "",
         "www.kestrel-analytics.co.uk", "United Kingdom", "EMEA", "Mid-Market", USER_MARCUS,
         -900, "false"),
        (BRIGHTWATER, "Brightwater Logistics, Inc.", "", "Customer", "Logistics", "800",
         "https://www.brightwater-logistics.com/about", "United States", "AMER", "Mid-Market",
         USER_PRIYA, -700, "false"),
        (NORTHWIND, "Northwind Robotics", "", "Prospect", "Manufacturing", "45",
         "https://northwind-robotics.io", "United States", "AMER", "SMB", USER_PRIYA, -60,
         "false"),
        (OLD_MILL, "Old Mill Foods Ltd", "", "Customer", "Retail", "120",
         "https://www.old-mill-foods.co.uk", "United Kingdom", "EMEA", "SMB", USER_MARCUS,
         -1000, "true"),
        (TERN, "Tern Systems Ltd", TERN_GROUP, "Customer", "Technology", "300",
         "https://www.tern-systems.io", "United Kingdom", "EMEA", "Mid-Market", USER_MARCUS,
         -800, "false"),
        (TERN_GROUP, "Tern Systems Group", TERN_MISSING_PARENT, "Customer", "Technology", "1200",
         "https://www.tern-systems-group.io", "United Kingdom", "EMEA", "Mid-Market",
         USER_MARCUS, -800, "false"),
    ):
        recs["crm/Account.csv"].append(_csv(
            "crm/Account.csv", Id=aid, Name=name, ParentId=parent, Type=typ, Industry=industry,
            NumberOfEmployees=employees, Website=website, BillingCountry=country,
            Region__c=region, Segment__c=segment, OwnerId=owner, CreatedDate=sf(created),
            LastModifiedDate=sf(-3, "17:45:12"), IsDeleted=deleted))

    # crm/Opportunity.csv
    for n, (acct, name, typ, stage, amount, cur, close, deleted) in enumerate((
        (KESTREL, "Kestrel Analytics GmbH - New Business", "New Business", "Closed Won",
         "250000.00", "EUR", -1470, "false"),
        (KESTREL, "Kestrel Analytics GmbH - Renewal", "Renewal", "Negotiation/Review",
         "252000.00", "EUR", 45, "false"),
        (KESTREL, "Kestrel Analytics GmbH - Pulsar upsell", "Upsell", "Closed Won",
         "36000.00", "EUR", -100, "false"),
        (HOKUSEI, "株式会社北星精機 - 更新", "Renewal", "Proposal/Price Quote", "23000000", "JPY",
         165, "false"),
        (KESTREL_UK, "Kestrel Analytics UK Ltd - Renewal", "Renewal", "Prospecting",
         "18000.00", "GBP", 1, "false"),
        (BRIGHTWATER, "Brightwater Logistics, Inc. - Orbit seats", "Upsell", "Closed Won",
         "8000.00", "USD", -30, "false"),
        (NORTHWIND, "Northwind Robotics - New Business", "New Business", "Qualification",
         "15000.00", "USD", 60, "false"),
        (OLD_MILL, "Old Mill Foods Ltd - New Business", "New Business", "Closed Won",
         "15000.00", "GBP", -400, "true"),
    ), start=1):
        closed = stage.startswith("Closed")
        recs["crm/Opportunity.csv"].append(_csv(
            "crm/Opportunity.csv", Id=sfdc_id_18(f"006Dn00000P{n:04d}"), AccountId=acct,
            Name=name, Type=typ, StageName=stage, Amount=amount, CurrencyIsoCode=cur,
            CloseDate=d(close), IsClosed=str(closed).lower(),
            IsWon=str(stage == "Closed Won").lower(), CreatedDate=sf(close - 60, "11:20:00"),
            IsDeleted=deleted))

    # crm/Task.csv
    for n, (acct, typ, subject, when, status, deleted) in enumerate((
        (KESTREL, "QBR", "Quarterly business review", -12, "Completed", "false"),
        (KESTREL, "Call", "Escalation follow-up call", -3, "Completed", "true"),
        (KESTREL, "Email", "Follow-up: open tickets", -5, "Not Started", "false"),
        (KESTREL, "Meeting", "Upgrade planning meeting", 7, "Not Started", "false"),
        (KESTREL, "Call", "Check-in call", -90, "Completed", "false"),
        (HOKUSEI, "Meeting", "定例ミーティング", -45, "Completed", "false"),
        (HOKUSEI, "Call", "Renewal call", -60, "Completed", "false"),
        (KESTREL_UK, "Call", "Check-in call", -400, "Completed", "false"),
        (BRIGHTWATER, "Call", "Renewal call", 5, "Not Started", "false"),
        (BRIGHTWATER, "Email", "Sent release notes", -10, "Completed", "true"),
        (NORTHWIND, "Call", "Discovery call", -2, "Completed", "false"),
        (OLD_MILL, "Call", "Check-in call", -30, "Completed", "false"),
        *((twin, typ, subject, when, "Completed", "false") for twin in (TERN, TERN_GROUP)
          for typ, subject, when in (
              ("Call", "Check-in call", -20), ("Meeting", "Onboarding workshop", -100),
              ("Meeting", "Admin training review", -110), ("Call", "Adoption call", -120),
              ("QBR", "Quarterly business review", -130))),
    ), start=1):
        recs["crm/Task.csv"].append(_csv(
            "crm/Task.csv", Id=sfdc_id_18(f"00TDn00000P{n:04d}"), AccountId=acct,
            WhoId=sfdc_id_18(f"003Dn00000P{n:04d}") if n % 2 else "", Subject=subject,
            Type=typ, ActivityDate=d(when), Status=status, IsDeleted=deleted))

    # crm/NPS_Response__c.csv
    for n, (acct, email, score, comment, when) in enumerate((
        (KESTREL, "anna.schmidt@kestrel-analytics.de", "6", "", -300),
        (KESTREL, "jonas.weber@kestrel-analytics.de", "9",
         "Great support team,\nbut the 9.9 -> 9.10 upgrade was \"painful\".", -40),
        (KESTREL, "lena.fischer@kestrel-analytics.de", "2", "Outage last week hurt us.", 3),
        (HOKUSEI, "taro.yamada@hokusei-seiki.co.jp", "7", "", -200),
        (HOKUSEI, "hanako.suzuki@hokusei-seiki.co.jp", "3",
         "サポートの対応が遅い、改善を希望します。", -20),
        (NORTHWIND, "sam.lee@northwind-robotics.io", "8", "Promising trial", -10),
        (TERN, "ops@tern-systems.io", "9", "", -30),
        (TERN_GROUP, "ops@tern-systems-group.io", "9", "", -30),
    ), start=1):
        recs["crm/NPS_Response__c.csv"].append(_csv(
            "crm/NPS_Response__c.csv", Id=sfdc_id_18(f"a0BDn00000P{n:04d}"), Account__c=acct,
            Respondent_Email__c=email, Score__c=score, Comment__c=comment,
            Submitted_Date__c=d(when)))

    # support/organizations.jsonl
    for oid, name, external_id, domains, created in (
        (350000000001, "Kestrel Analytics", KESTREL, ["kestrel-analytics.de"], -1400),
        (350000000002, "北星精機", HOKUSEI_15, ["hokusei-seiki.co.jp"], -1200),
        (350000000003, "Kestrel Analytics UK", KESTREL_UK_15, [], -850),
        (350000000004, "Brightwater Logistics", None,
         ["brightwater-logistics.com", "bw-logistics.net"], -650),
        (350000000005, "Northwind Robotics", NORTHWIND, ["northwind-robotics.io"], -50),
        (350000000006, "Old Mill Foods", OLD_MILL, ["old-mill-foods.co.uk"], -950),
        (350000000007, "Brightwater Logistics (old)", None, [], -2000),
        (350000000008, "Tern Systems", TERN, ["tern-systems.io"], -780),
        (350000000009, "Tern Systems Group", TERN_GROUP, ["tern-systems-group.io"], -780),
    ):
        recs["support/organizations.jsonl"].append({
            "id": oid, "name": name, "external_id": external_id, "domain_names": domains,
            "created_at": z(created, "06:30:00")})

    # support/tickets.jsonl — one object per version; (days, time, status, rating) each.
    def ticket(tid: int, org: int | None, email: str, subject: str, priority: str | None,
               typ: str | None, versions: list[tuple[int, str, str, str]], product: str,
               version: str | None, order: list[int] | None = None) -> None:
        created = z(versions[0][0], versions[0][1])
        solved = next((z(v[0], v[1]) for v in versions if v[2] in ("solved", "closed")), None)
        created_dt = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
        rows = []
        for day_offset, hms, status, rating in versions:
            is_solved = status in ("solved", "closed")
            full = None
            if is_solved and solved is not None:
                solved_dt = dt.datetime.fromisoformat(solved.replace("Z", "+00:00"))
                full = int((solved_dt - created_dt).total_seconds() // 60)
            rows.append({
                "id": tid, "created_at": created, "updated_at": z(day_offset, hms),
                "status": status, "priority": priority, "type": typ, "subject": subject,
                "organization_id": org, "requester_email": email, "tags": ["planted"],
                "satisfaction_rating": {"score": rating},
                "custom_fields": [{"id": "product", "value": product},
                                  {"id": "version", "value": version}],
                "metric_set": {
                    "reply_time_in_minutes": {"calendar": None if status == "new" else 42},
                    "full_resolution_time_in_minutes": {"calendar": full},
                    "solved_at": solved if is_solved else None,
                },
            })
        for i in order or range(len(rows)):
            recs["support/tickets.jsonl"].append(rows[i])

    k_org, k_mail = 350000000001, "anna.schmidt@kestrel-analytics.de"
    u = "unoffered"
    ticket(101, k_org, k_mail, "Production cluster down after patch", "urgent", "incident",
           [(-5, "10:00:00", "new", u), (-4, "08:30:00", "open", u)], "ORB", "9.9.3")
    ticket(102, k_org, k_mail, "Report export times out", "high", "problem",
           [(-30, "14:00:00", "new", u), (-29, "09:00:00", "open", u),
            (-20, "11:00:00", "pending", u)], "ORB", "9.9.3")
    ticket(103, k_org, k_mail, "Question about SAML certificate rotation", "normal",
           "question", [(-60, "09:00:00", "new", u), (-58, "10:00:00", "open", u),
                        (-50, "12:00:00", "hold", u)], "ORB", None)
    # Reopened-then-closed: the latest version (closed) is written first.
    ticket(104, k_org, k_mail, 'Error "E1042" on nightly sync', "urgent", "incident",
           [(-40, "08:00:00", "open", u), (-10, "16:00:00", "solved", "offered"),
            (-6, "16:00:00", "closed", "good")], "NEB", "4.4.1", order=[2, 0, 1])
    ticket(105, k_org, k_mail, "Dashboard filters reset", "normal", "problem",
           [(-89, "00:00:05", "new", u), (-80, "12:00:00", "solved", "offered"),
            (-76, "12:00:00", "closed", "bad")], "NEB", "4.4.1")
    ticket(106, k_org, k_mail, "Add five user seats", "low", "task",
           [(-90, "23:59:50", "new", u), (-85, "10:00:00", "solved", "good")], "ORB", None)
    ticket(107, k_org, k_mail, "Upgrade path from 9.8 to 9.9", "normal", "question",
           [(-200, "09:00:00", "new", u), (-190, "09:00:00", "solved", "offered"),
            (-186, "09:00:00", "closed", "good")], "ORB", "9.8.2")
    ticket(108, k_org, k_mail, "Invoice address change", "low", "question",
           [(-20, "09:00:00", "open", u), (-15, "09:00:00", "solved", "offered")], "ORB",
           None)
    ticket(109, k_org, k_mail, "Gateway drops connections under load", "high", "incident",
           [(-15, "07:00:00", "new", u), (-2, "10:00:00", "solved", "good")], "PUL", "2.10.4")

    h_org, h_mail = 350000000002, "taro.yamada@hokusei-seiki.co.jp"
    ticket(201, h_org, h_mail, "ライセンスの更新について", "normal", "question",
           [(-10, "01:00:00", "new", u), (-9, "02:00:00", "open", u)], "ORB", "9.10.1-hotfix1")
    ticket(202, h_org, h_mail, "レポートの出力でエラー「E1042」が発生", "high", "problem",
           [(-120, "03:00:00", "new", u), (-100, "03:00:00", "solved", "offered"),
            (-96, "03:00:00", "closed", "good")], "ORB", "9.10.1-hotfix1")
    ticket(203, h_org, h_mail, "本番環境で応答が遅い", "urgent", "incident",
           [(-50, "05:00:00", "open", u), (-45, "05:00:00", "pending", u),
            (-40, "05:00:00", "solved", "bad")], "ORB", "9.10.1-hotfix1")

    b_org, b_mail = 350000000004, "olivia.chen@brightwater-logistics.com"
    ticket(401, b_org, b_mail, "Need help with gateway config", None, None,
           [(-3, "15:00:00", "new", u)], "PUL", None)
    ticket(402, b_org, b_mail, "Seats report wrong", "normal", "problem",
           [(-20, "15:00:00", "open", u), (-18, "15:00:00", "solved", "offered"),
            (-14, "15:00:00", "closed", "unoffered")], "PUL", "2.10.4")
    ticket(403, b_org, b_mail, "How do I rotate API keys?", "low", "question",
           [(-70, "15:00:00", "new", u), (-69, "15:00:00", "solved", "offered")], "ORB",
           "10.1.0")
    ticket(404, None, b_mail, "URGENT: gateway outage", "urgent", "incident",
           [(-8, "15:00:00", "open", u)], "PUL", "2.10.4")
    ticket(501, 350000000005, "sam.lee@northwind-robotics.io", "Trial license expired",
           "urgent", "incident", [(-6, "12:00:00", "open", u)], "QSR", "1.2.1")
    ticket(601, 350000000006, "ops@old-mill-foods.co.uk", "Cannot log in", "high", "incident",
           [(-12, "12:00:00", "open", u)], "ORB", "9.8.2")
    ticket(701, 350000000007, "it@bw-logistics.net", "Old portal access", "urgent", "incident",
           [(-4, "12:00:00", "open", u)], "PUL", None)

    # The size twins: k urgent open tickets in the last 90 days against 3k baseline tickets
    # (solved, unrated): trend (k + 1) / (3k / 3 + 1) = 1.0 for both.
    for org, domain, first_id, k, baseline_days in (
        (350000000008, "tern-systems.io", 811, 1, (-100, -150, -200)),
        (350000000009, "tern-systems-group.io", 911, 2, (-100, -110, -150, -160, -200, -210)),
    ):
        mail = f"ops@{domain}"
        for i in range(k):
            ticket(first_id + i, org, mail, "Cluster node unreachable", "urgent", "incident",
                   [(-10 - 2 * i, "09:00:00", "open", u)], "ORB", "10.1.0")
        for i, when in enumerate(baseline_days):
            ticket(first_id + k + i, org, mail, "How do I rotate logs?", "normal", "question",
                   [(when, "09:00:00", "new", u), (when + 5, "09:00:00", "solved", u)], "ORB",
                   "10.1.0")

    # finance/customers.csv (the Shift_JIS file)
    for number, name, sfdc, currency in (
        (101, "Kestrel Analytics GmbH", KESTREL, "EUR"),
        (102, "株式会社北星精機", HOKUSEI_15, "JPY"),
        (103, "Kestrel Analytics UK Ltd", KESTREL_UK, "GBP"),
        (104, "BRIGHTWATER LOGISTICS INC", BRIGHTWATER, "USD"),
        (106, "Old Mill Foods Ltd", OLD_MILL, "GBP"),
        (107, "ＡＢＣ商事株式会社", "", "JPY"),
        (108, "Brightwater Logistics, Inc.", "", "USD"),
        (109, "Tern Systems Ltd", TERN, "USD"),
        (110, "Tern Systems Group", TERN_GROUP, "USD"),
    ):
        recs["finance/customers.csv"].append(_csv(
            "finance/customers.csv", customer_number=f"C-{number:06d}", company_name=name,
            sfdc_account_id=sfdc, billing_currency=currency))

    # finance/subscriptions.csv
    for contract, line, cust, product, start, end, value, cur, tier, auto, status in (
        (101, 1, 101, "ORB", -320, 45, "240000.00", "EUR", "Premium", "Y", "Active"),
        (101, 2, 101, "NEB", -320, 45, "60000.00", "EUR", "TAM", "Y", "Active"),
        (102, 1, 101, "PUL", -100, 265, "36000.00", "EUR", "Standard", "N", "Active"),
        (103, 1, 101, "ORB", -685, -320, "200000.00", "EUR", "TAM", "Y", "Expired"),
        (104, 1, 101, "QSR", -50, 315, "12000.00", "EUR", "Premium", "N", "Cancelled"),
        (105, 1, 101, "ORB", 45, 410, "252000.00", "EUR", "Premium", "Y", "Active"),
        (201, 1, 102, "ORB", -200, 165, "18000000", "JPY", "TAM", "Y", "Active"),
        (201, 2, 102, "PUL", -200, 165, "4800000", "JPY", "Premium", "Y", "Active"),
        (301, 1, 103, "QSR", -364, 1, "18000.00", "GBP", "Standard", "Y", "Active"),
        (302, 1, 103, "NEB", -365, 0, "9000.00", "GBP", "Premium", "Y", "Active"),
        (401, 1, 104, "PUL", -250, 115, "42000.00", "USD", "Premium", "Y", "Active"),
        (401, 2, 104, "ORB", -250, 115, "30000.00", "USD", "Standard", "Y", "Active"),
        (402, 1, 104, "ORB", -30, 335, "8000.00", "USD", "Standard", "N", "Active"),
        (403, 1, 104, "QSR", 0, 365, "5000.00", "USD", "TAM", "N", "Active"),
        (601, 1, 106, "ORB", -100, 265, "15000.00", "GBP", "Standard", "Y", "Active"),
        (801, 1, 108, "PUL", -60, 305, "50000.00", "USD", "Premium", "Y", "Active"),
        (901, 1, 109, "ORB", -265, 100, "40000.00", "USD", "Premium", "Y", "Active"),
        (902, 1, 110, "ORB", -265, 100, "160000.00", "USD", "Premium", "Y", "Active"),
    ):
        recs["finance/subscriptions.csv"].append(_csv(
            "finance/subscriptions.csv", contract_id=f"CTR-{contract:07d}", line_id=str(line),
            customer_number=f"C-{cust:06d}", product_code=product, start_date=d(start),
            end_date=d(end), annual_value=value, currency=cur, support_tier=tier,
            auto_renew=auto, status=status))

    # finance/invoices.csv
    for number, cust, issued, due, cur, amount, status, paid in (
        (101, 101, -320, -290, "EUR", "300000.00", "Paid", -295),
        (102, 101, -100, -70, "EUR", "36000.00", "Open", None),
        (103, 101, -20, 10, "EUR", "5000.00", "Open", None),
        (104, 101, -200, -170, "EUR", "1500.00", "Void", None),
        (105, 101, -60, -30, "EUR", "-2000.00", "Credit", None),
        (201, 102, -200, -140, "JPY", "22800000", "Paid", -150),
        (202, 102, -45, -15, "JPY", "1250000", "Open", None),
        (301, 103, -364, -334, "GBP", "18000.00", "Paid", -340),
        (302, 103, -30, 0, "GBP", "4500.00", "Open", None),
        (303, 103, -400, -370, "GBP", "750.50", "Open", None),
        (401, 104, -250, -220, "USD", "72000.00", "Paid", -225),
        (402, 104, -30, -1, "USD", "8000.00", "Open", None),
        (403, 104, -95, -65, "USD", "1234.56", "Paid", -60),
        (601, 106, -100, -70, "GBP", "15000.00", "Open", None),
        (801, 108, -60, -30, "USD", "50000.00", "Open", None),
        (901, 109, -60, -30, "USD", "1000.00", "Open", None),
        (902, 110, -60, -30, "USD", "4000.00", "Open", None),
    ):
        recs["finance/invoices.csv"].append(_csv(
            "finance/invoices.csv", invoice_number=f"INV-{number:08d}",
            customer_number=f"C-{cust:06d}", invoice_date=d(issued), due_date=d(due),
            currency=cur, amount=amount, status=status,
            paid_date="" if paid is None else d(paid)))

    # training/enrollments.csv — (id, e-mail, company, course, enrolled, completed, status, score)
    courses = {c: (name, product) for c, name, product in (
        ("ORB-101", "Orbit Server Fundamentals", "ORB"),
        ("ORB-201", "Orbit Server Administration", "ORB"),
        ("ORB-301", "Orbit Performance Tuning, Advanced", "ORB"),
        ("NEB-101", "Nebula Analytics Essentials", "NEB"),
        ("ORB-101-JA", "Orbit Server 入門", "ORB"),
        ("PUL-101", "Pulsar Gateway Basics", "PUL"),
        ("PUL-220", "Securing Pulsar Gateways", "PUL"),
        ("GEN-100", "Customer Success Onboarding", ""),
    )}
    for n, email, company, course, enrolled, completed, status, score in (
        (101, "anna.schmidt@kestrel-analytics.de", "Kestrel Analytics GmbH", "ORB-101",
         z(-130), z(-100), "completed", "92"),
        (102, "anna.schmidt@kestrel-analytics.de", "Kestrel Analytics", "ORB-201", z(-80),
         z(-50), "completed", "85"),
        (103, "jonas.weber@Kestrel-Analytics.DE", "KESTREL ANALYTICS GMBH", "NEB-101", z(-20),
         z(0, "23:10:00"), "completed", ""),
        (104, "lena.fischer@kestrel-analytics.de", "Kestrel Analytics GmbH", "ORB-301", z(-15),
         "", "in_progress", ""),
        (105, "max.mueller@eu.kestrel-analytics.de", "Kestrel Analytics GmbH, EU team",
         "ORB-101", z(-60), z(-30), "completed", "77"),
        (106, "k.braun@gmail.com", "Kestrel Analytics GmbH", "ORB-101", z(-40), z(-25),
         "completed", "90"),
        (107, "tom.richter@kestrel-analytics.de", "Kestrel Analytics GmbH", "ORB-101", z(-10),
         z(1, "08:00:00"), "completed", "80"),
        (201, "taro.yamada@hokusei-seiki.co.jp", "北星精機", "ORB-101-JA", z(-90), z(-70),
         "completed", "88"),
        (202, "hanako.suzuki@HOKUSEI-SEIKI.CO.JP", "株式会社北星精機", "ORB-201", z(-30), z(-5),
         "completed", "95"),
        (203, "jiro.sato@jp.hokusei-seiki.co.jp", "北星精機 東京", "ORB-101", z(-50), z(-40),
         "completed", "70"),
        (204, "yamada.t@yahoo.co.jp", "ﾎｸｾｲｾｲｷ", "ORB-101-JA", z(-45), z(-35), "completed",
         "66"),
        (401, "olivia.chen@brightwater-logistics.com", "Brightwater Logistics, Inc.",
         "PUL-101", z(-120), z(-100), "completed", ""),
        (402, "raj.patel@brightwater-logistics.com", "Brightwater", "PUL-220", z(-5), "",
         "not_started", ""),
        (403, "ben.ortiz@bwlogistics.net", "Brightwater Logistics", "PUL-101", z(-90), z(-60),
         "completed", "81"),
        (501, "sam.lee@northwind-robotics.io", "Northwind Robotics", "GEN-100", z(-20),
         z(-15), "completed", "100"),
        *((n, f"admin{i}@{domain}", company, "ORB-201", z(-140 + 10 * i), z(-130 + 10 * i),
           "completed", "90")
          for domain, company, first, k in (("tern-systems.io", "Tern Systems", 901, 1),
                                             ("tern-systems-group.io", "Tern Systems Group", 911,
                                              2))
          for i, n in enumerate(range(first, first + 2 * k))),
    ):
        name, product = courses[course]
        recs["training/enrollments.csv"].append(_csv(
            "training/enrollments.csv", enrollment_id=f"ENR-{n:08d}", user_email=email,
            user_company=company, course_code=course, course_name=name, product_code=product,
            enrolled_at=enrolled, completed_at=completed, status=status, score=score))

    # licenses/entitlements.csv
    for number, cust, sfdc, product, seats, start, expiry in (
        (101, 101, KESTREL, "ORB", 500, -320, 45),
        (102, 101, KESTREL, "NEB", 100, -320, 45),
        (103, 101, KESTREL, "ORB", 300, -685, -320),
        (201, 102, HOKUSEI_15, "ORB", 1000, -200, 165),
        (202, 102, "", "PUL", 200, -200, 165),
        (301, 103, "", "QSR", 50, -364, 1),
        (302, 103, KESTREL_UK, "NEB", 25, -365, 0),
        (304, 104, KESTREL_UK, "QSR", 15, -30, 335),
        (401, 104, "", "PUL", 120, -250, 115),
        (402, 104, "", "ORB", 60, -250, 115),
        (403, 104, "", "QSR", 10, 1, 366),
        (601, 106, OLD_MILL, "ORB", 20, -100, 265),
        (801, 108, "", "PUL", 100, -60, 305),
        (901, 109, TERN, "ORB", 200, -265, 100),
        (902, 110, TERN_GROUP, "ORB", 800, -265, 100),
    ):
        recs["licenses/entitlements.csv"].append(_csv(
            "licenses/entitlements.csv", entitlement_id=f"ENT-{number:07d}",
            customer_code=f"C-{cust:06d}", sfdc_account_id=sfdc, product_code=product,
            seats_purchased=str(seats), start_date=d(start), expiry_date=d(expiry)))

    # licenses/installations.csv
    for number, ent, product, version, env, seats, checkin in (
        (101, 101, "ORB", "9.9.3", "production", 410, -30),
        (102, 101, "ORB", "9.10.2", "staging", 40, 0),
        (103, 102, "NEB", "4.4.1", "production", 85, -31),
        (104, 102, "NEB", "4.4.1", "test", 5, 0),
        (201, 201, "ORB", "9.10.1-hotfix1", "production", 780, 0),
        (202, 201, "ORB", "10.1.0", "staging", 50, 0),
        (203, 202, "PUL", "2.11.0", "production", 150, 0),
        (301, 301, "QSR", "1.0.3", "production", 30, -45),
        (302, 302, "NEB", "4.1.2", "production", 20, None),
        (303, 304, "QSR", "1.2.1", "production", 12, 0),
        (401, 401, "PUL", "2.10.4", "production", 95, 0),
        (402, 401, "PUL", "2.11.0-hotfix1", "staging", 10, -100),
        (403, 402, "ORB", "10.1.0", "production", 40, 0),
        (404, 402, "ORB", "10.2.0-beta1", "test", 3, 0),
        (601, 601, "ORB", "9.8.2", "production", 18, 0),
        (901, 901, "ORB", "10.1.0", "production", 150, 0),
        (902, 902, "ORB", "10.1.0", "production", 600, 0),
    ):
        recs["licenses/installations.csv"].append(_csv(
            "licenses/installations.csv", installation_id=f"INS-{number:08d}",
            entitlement_id=f"ENT-{ent:07d}", product_code=product, version=version,
            environment=env, seats_in_use=str(seats),
            last_checkin_at="" if checkin is None else z(checkin, "02:00:00")))

    return recs
