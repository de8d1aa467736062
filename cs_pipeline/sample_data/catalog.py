"""Fixed reference data of the sample world: products and releases, fx rates, vocabularies.

Nothing here is random: release dates and fx rates are pure functions of the as-of date, so
the planted accounts' expected figures (:mod:`cs_pipeline.sample_data.planted`) can be
computed from them by hand, whatever the seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

# --- products and releases ----------------------------------------------------------------

PRODUCTS = ("ORB", "NEB", "PUL", "QSR")
PRODUCT_NAMES = {
    "ORB": "Orbit Server",
    "NEB": "Nebula Analytics",
    "PUL": "Pulsar Gateway",
    "QSR": "Quasar Mobile SDK",
}


@dataclass(frozen=True)
class Release:
    product_code: str
    version: str
    release_date: dt.date
    is_ga: bool
    end_of_support_date: dt.date | None

    @property
    def line(self) -> tuple[int, int]:
        """The release line ``(MAJOR, MINOR)``; a ``-suffix`` or patch does not change it."""
        return release_line(self.version)


def release_line(version: str) -> tuple[int, int]:
    major, minor = version.split("-", 1)[0].split(".")[:2]
    return int(major), int(minor)


# (product, version, release day relative to as-of, GA, end of support relative to as-of).
# Chosen so that every rule of "version currency" has a case: 9.9 < 9.10 and 2.9 < 2.10
# (numeric, not text, order), -hotfix suffixes on the same line, two-part versions ("2.10"),
# a beta line that is not GA (ORB 10.2), a GA line released after as-of (NEB 5.0), and lines
# whose end of support has passed (ORB 9.8, NEB 4.1, PUL 2.8, QSR 1.0) or is still ahead (ORB 9.9).
_RELEASES: tuple[tuple[str, str, int, bool, int | None], ...] = (
    ("ORB", "9.8.0", -1100, True, -60),
    ("ORB", "9.8.1", -1020, True, -60),
    ("ORB", "9.8.2", -930, True, -60),
    ("ORB", "9.9.0", -820, True, 120),
    ("ORB", "9.9.1", -760, True, 120),
    ("ORB", "9.9.3", -690, True, 120),
    ("ORB", "9.10.0", -560, True, None),
    ("ORB", "9.10.1", -500, True, None),
    ("ORB", "9.10.1-hotfix1", -480, True, None),
    ("ORB", "9.10.2", -400, True, None),
    ("ORB", "10.0.0", -300, True, None),
    ("ORB", "10.0.1", -240, True, None),
    ("ORB", "10.0.2", -150, True, None),
    ("ORB", "10.0.2-hotfix2", -130, True, None),
    ("ORB", "10.1.0", -60, True, None),
    ("ORB", "10.1.1", -20, True, None),
    ("ORB", "10.2.0-beta1", -10, False, None),
    ("NEB", "4.1.0", -900, True, -200),
    ("NEB", "4.1.2", -850, True, -200),
    ("NEB", "4.2.0", -640, True, None),
    ("NEB", "4.2.1", -600, True, None),
    ("NEB", "4.3.0", -420, True, None),
    ("NEB", "4.3.2", -330, True, None),
    ("NEB", "4.4.0", -180, True, None),
    ("NEB", "4.4.1", -90, True, None),
    ("NEB", "5.0.0", 30, True, None),
    ("PUL", "2.8.0", -950, True, -400),
    ("PUL", "2.8.3", -880, True, -400),
    ("PUL", "2.9", -700, True, 200),
    ("PUL", "2.9.1", -650, True, 200),
    ("PUL", "2.10", -480, True, None),
    ("PUL", "2.10.4", -300, True, None),
    ("PUL", "2.11.0", -120, True, None),
    ("PUL", "2.11.0-hotfix1", -100, True, None),
    ("PUL", "2.11.1", -25, True, None),
    ("QSR", "1.0.0", -800, True, -30),
    ("QSR", "1.0.3", -700, True, -30),
    ("QSR", "1.1.0", -450, True, None),
    ("QSR", "1.1.2", -380, True, None),
    ("QSR", "1.2.0", -150, True, None),
    ("QSR", "1.2.1", -40, True, None),
)


def product_releases(as_of: dt.date) -> list[Release]:
    def day(offset: int | None) -> dt.date | None:
        return None if offset is None else as_of + dt.timedelta(days=offset)

    return [
        Release(p, v, as_of + dt.timedelta(days=r), ga, day(eos))
        for p, v, r, ga, eos in _RELEASES
    ]


def versions_behind(releases: list[Release], product: str, version: str,
                    as_of: dt.date) -> int:
    """GA release lines of ``product`` newer than ``version``'s line, released by as-of."""
    own = release_line(version)
    newer = {r.line for r in releases
             if r.product_code == product and r.is_ga and r.release_date <= as_of
             and r.line > own}
    return len(newer)


def is_end_of_support(releases: list[Release], product: str, version: str,
                      as_of: dt.date) -> bool:
    own = release_line(version)
    return any(r.product_code == product and r.line == own
               and r.end_of_support_date is not None and r.end_of_support_date < as_of
               for r in releases)


# --- currencies and fx rates -------------------------------------------------------------

CURRENCIES = ("USD", "EUR", "GBP", "JPY", "AUD", "CAD")
NO_MINOR_UNIT = frozenset({"JPY"})
FX_BASE = {
    "USD": Decimal("1"),
    "EUR": Decimal("1.0850"),
    "GBP": Decimal("1.2650"),
    "JPY": Decimal("0.006700"),
    "AUD": Decimal("0.6550"),
    "CAD": Decimal("0.7350"),
}
# One year of drift, in per-mille, cycled month by month (integers keep it exact everywhere).
_FX_WAVE = (0, 6, 11, 14, 12, 7, 0, -6, -11, -14, -12, -7)
FX_MONTHS = 24
# The ERP loads some rates late: the last month(s) are missing, so the as-of month falls
# back to the latest earlier month present.
FX_LAG_MONTHS = {"JPY": 1}


def fx_rate(currency: str, year: int, month: int) -> Decimal:
    """``rate_to_usd`` of one month (6 decimals)."""
    if currency == "USD":
        return Decimal("1.000000")
    k = year * 12 + month - 1
    phase = sum(map(ord, currency)) % 12
    rate = FX_BASE[currency] * (1000 + _FX_WAVE[(k + phase) % 12]) / 1000
    return rate.quantize(Decimal("0.000001"))


def month_add(year: int, month: int, delta: int) -> tuple[int, int]:
    k = year * 12 + month - 1 + delta
    return k // 12, k % 12 + 1


def fx_table(as_of: dt.date) -> list[tuple[str, str, Decimal]]:
    """Rows of ``finance/fx_rates.csv``: 24 months up to the as-of month, minus lags."""
    rows = []
    for currency in CURRENCIES:
        for back in range(FX_MONTHS - 1, FX_LAG_MONTHS.get(currency, 0) - 1, -1):
            y, m = month_add(as_of.year, as_of.month, -back)
            rows.append((currency, f"{y:04d}-{m:02d}", fx_rate(currency, y, m)))
    return rows


def fx_rate_as_of(currency: str, as_of: dt.date) -> Decimal:
    """The rate the contract applies on as-of: that month's, or the latest earlier one."""
    y, m = month_add(as_of.year, as_of.month, -FX_LAG_MONTHS.get(currency, 0))
    return fx_rate(currency, y, m)


# --- geography -----------------------------------------------------------------------------

REGIONS = ("AMER", "EMEA", "APJ", "JAPAN")
REGION_WEIGHTS = (0.42, 0.30, 0.16, 0.12)
JAPAN = 3


@dataclass(frozen=True)
class Country:
    name: str
    region: int
    weight: float  # within its region
    tld: str
    currency: str
    legal: tuple[str, ...]  # company suffixes


COUNTRIES = (
    Country("United States", 0, 0.78, "com", "USD", ("Inc.", "LLC", "Corp.", "Co.")),
    Country("Canada", 0, 0.12, "ca", "CAD", ("Inc.", "Ltd.")),
    Country("Brazil", 0, 0.06, "com.br", "USD", ("Ltda.", "S.A.")),
    Country("Mexico", 0, 0.04, "com.mx", "USD", ("S.A. de C.V.",)),
    Country("Germany", 1, 0.30, "de", "EUR", ("GmbH", "AG", "SE")),
    Country("United Kingdom", 1, 0.28, "co.uk", "GBP", ("Ltd", "plc", "LLP")),
    Country("France", 1, 0.16, "fr", "EUR", ("SAS", "S.A.")),
    Country("Netherlands", 1, 0.10, "nl", "EUR", ("B.V.", "N.V.")),
    Country("Sweden", 1, 0.06, "se", "EUR", ("AB",)),
    Country("Spain", 1, 0.10, "es", "EUR", ("S.L.", "S.A.")),
    Country("Australia", 2, 0.45, "com.au", "AUD", ("Pty Ltd",)),
    Country("Singapore", 2, 0.25, "sg", "USD", ("Pte. Ltd.",)),
    Country("India", 2, 0.20, "in", "USD", ("Pvt. Ltd.", "Ltd.")),
    Country("South Korea", 2, 0.10, "co.kr", "USD", ("Co., Ltd.",)),
    Country("Japan", 3, 1.00, "co.jp", "JPY", ("K.K.", "Co., Ltd.")),
)

SEGMENTS = ("Enterprise", "Mid-Market", "SMB")
SEGMENT_WEIGHTS = (0.15, 0.35, 0.50)
TYPES = ("Customer", "Prospect", "Former Customer")
TYPE_WEIGHTS = (0.80, 0.12, 0.08)
INDUSTRIES = (
    "Technology", "Manufacturing", "Financial Services", "Healthcare", "Retail", "Logistics",
    "Energy", "Telecommunications", "Public Sector", "Education", "Media", "Automotive",
)
TIERS = ("Standard", "Premium", "TAM")

# --- names ---------------------------------------------------------------------------------
# Random company names are WORD1 WORD2; planted accounts use words absent from these lists,
# and random domains never contain a hyphen, so they can never collide with planted ones.

WORDS1 = (
    "Blue", "Silver", "North", "Summit", "Granite", "Cedar", "Harbor", "Pioneer", "Atlas",
    "Vertex", "Crimson", "Evergreen", "Iron", "Maple", "Quantum", "Redwood", "Solar", "Sterling",
    "Trident", "Union", "Vista", "Willow", "Apex", "Beacon", "Cobalt", "Delta", "Eagle", "Falcon",
    "Golden", "Horizon", "Lunar", "Meridian", "Nova", "Orion", "Pacific", "Prairie", "Radiant",
    "Sapphire", "Titan", "Urban", "Velvet", "Western", "Zenith", "Alder", "Birch", "Coral",
    "Dune", "Ember", "Fjord", "Glacier", "Highland", "Indigo", "Juniper", "Keystone", "Lakeside",
    "Mosaic", "Nimbus", "Oakridge", "Pinnacle", "Quarry",
)
WORDS2 = (
    "Analytics", "Systems", "Dynamics", "Labs", "Logistics", "Foods", "Health", "Energy",
    "Robotics", "Networks", "Partners", "Industries", "Capital", "Media", "Motors", "Pharma",
    "Software", "Retail", "Materials", "Solutions", "Holdings", "Foundry", "Works", "Bank",
    "Insurance", "Telecom", "Biotech", "Aerospace", "Textiles", "Chemicals", "Electronics",
    "Consulting", "Studios", "Outfitters", "Freight", "Mining", "Brewing", "Clinics", "Devices",
    "Instruments",
)
# Japanese company name parts: (romaji for the domain, kanji/katakana for the name).
JP_WORDS1 = (
    ("sakura", "桜"), ("fuji", "富士"), ("yamato", "大和"), ("asahi", "旭"), ("hikari", "光"),
    ("minato", "港"), ("kaede", "楓"), ("tsubasa", "翼"), ("midori", "緑"), ("aozora", "青空"),
    ("tokai", "東海"), ("kansai", "関西"), ("hokuto", "北斗"), ("shinsei", "新生"),
    ("daiichi", "第一"), ("nihon", "日本"), ("toyo", "東洋"), ("seiwa", "清和"), ("meiji", "明治"),
    ("kyowa", "協和"), ("sanwa", "三和"), ("chuo", "中央"), ("taiyo", "太陽"), ("heiwa", "平和"),
)
JP_WORDS2 = (
    ("denki", "電機"), ("shoji", "商事"), ("kogyo", "工業"), ("seiko", "精工"),
    ("tsushin", "通信"), ("butsuryu", "物流"), ("kagaku", "化学"), ("ginko", "銀行"),
    ("seiyaku", "製薬"), ("kensetsu", "建設"), ("soft", "ソフトウェア"), ("systems", "システムズ"),
    ("foods", "フーズ"), ("trading", "トレーディング"), ("jidosha", "自動車"), ("hoken", "保険"),
)


def full_width(ascii_text: str) -> str:
    """``ABC`` -> ``ＡＢＣ``: how Japanese users often type Latin letters."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c
                   for c in ascii_text)


FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Sophie", "Lukas", "Emma", "Noah", "Olivia", "Liam",
    "Chloe", "Mateo", "Isabella", "Arjun", "Mei", "Wei", "Sofia", "Lars", "Ingrid", "Pierre",
    "Camille", "Diego", "Lucia", "Hannah", "Felix", "Amelia", "Oscar", "Freya", "Ravi", "Ananya",
    "Ji-woo", "Min-jun",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martinez",
    "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson",
    "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "Schneider", "Fischer",
    "Dubois", "Laurent", "Rossi", "Jansen", "Lindqvist", "Kumar", "Sharma", "Chen", "Wang",
    "Kim", "Park", "O'Brien", "Nguyen",
)
# (romaji, kanji) — e-mails use romaji, names kanji.
JP_FIRST_NAMES = (
    ("hiroshi", "浩"), ("yuki", "由紀"), ("takashi", "隆"), ("akiko", "明子"), ("kenji", "健二"),
    ("naoko", "直子"), ("daisuke", "大輔"), ("emi", "恵美"), ("shota", "翔太"), ("mai", "麻衣"),
    ("ryo", "亮"), ("sakiko", "咲子"),
)
JP_LAST_NAMES = (
    ("sato", "佐藤"), ("suzuki", "鈴木"), ("takahashi", "高橋"), ("tanaka", "田中"),
    ("watanabe", "渡辺"), ("ito", "伊藤"), ("nakamura", "中村"), ("kobayashi", "小林"),
    ("kato", "加藤"), ("yoshida", "吉田"), ("yamamoto", "山本"), ("matsumoto", "松本"),
)
FREE_MAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.co.jp", "hotmail.co.uk", "icloud.com")
VENDOR_DOMAIN = "orbitsoft.example"  # the vendor's own staff (CSMs)

# --- activity vocabularies -----------------------------------------------------------------

TASK_TYPES = ("Call", "Email", "Meeting", "QBR")
TASK_TYPE_WEIGHTS = (0.35, 0.35, 0.22, 0.08)
TASK_SUBJECTS = {
    "Call": ("Check-in call", "Renewal call", "Escalation follow-up call", "Onboarding call"),
    "Email": ("Sent release notes", "Follow-up: open tickets", "Renewal quote sent",
              "Email: training invitation"),
    "Meeting": ("Adoption workshop", "Executive sponsor meeting", "Upgrade planning meeting"),
    "QBR": ("Quarterly business review", "QBR: roadmap & success plan"),
}
TASK_STATUSES = ("Completed", "Not Started", "In Progress", "Deferred",
                 "Waiting on someone else")

OPPORTUNITY_TYPES = ("New Business", "Renewal", "Upsell", "Cross-sell")
OPEN_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
               "Id. Decision Makers", "Proposal/Price Quote", "Negotiation/Review")

NPS_COMMENTS = (
    "Great product, support is responsive.",
    "Upgrade to 9.10 took longer than planned, but it works now.",
    'The "Reports" module is slow with large data sets.',
    "Good value, but licensing is confusing.",
    "Onboarding was excellent.\nWould like more training on dashboards.",
    "Too many bugs in the last release;\nwe had to roll back twice.",
    "Our CSM is great, thanks!",
    "Pricing went up, value did not, which is frustrating.",
    "Documentation could be better.\r\nAPI examples are outdated.",
    "Solid platform. Would recommend.",
)
NPS_COMMENTS_JA = (
    "サポートの対応が早く、とても助かっています。",
    "バージョンアップの手順が分かりにくい。",
    "ＵＩが使いやすい、レポート機能が「便利」です。",
    "価格に見合った価値があります。\n日本語ドキュメントを増やしてほしい。",
)

TICKET_SUBJECTS = (
    "Cannot log in after SSO change",
    'Error "E1042" when exporting reports',
    "License key not accepted, activation fails",
    "How do I configure the backup schedule?",
    "Dashboard loads slowly since upgrade",
    "Request: add user seats",
    "API returns 500 on /v2/accounts",
    "Upgrade path from 9.9 to 9.10",
    "Gateway drops connections under load",
    "Mobile SDK crash on Android 14",
    "Question about invoice",
    "Data import stuck at 99%",
    "Password reset e-mail not received",
    "Feature request: export to Parquet",
)
TICKET_SUBJECTS_JA = (
    "ライセンスキーが認識されない",
    "バージョン9.10へのアップグレード手順について",
    "レポートの出力でエラー「E1042」が発生",
    "請求書の宛名変更のお願い",
    "ダッシュボードの表示が遅い",
)
TICKET_TAGS = (
    "[]", '["billing"]', '["bug","sev2"]', '["how-to"]', '["upgrade"]', '["sso","login"]',
    '["api"]', '["performance","escalated"]', '["renewal"]', '["mobile","crash"]',
    '["日本語サポート"]', '["feature-request"]',
)

COURSES = (  # (course_code, course_name, product_code)
    ("ORB-101", "Orbit Server Fundamentals", "ORB"),
    ("ORB-201", "Orbit Server Administration", "ORB"),
    ("ORB-301", "Orbit Performance Tuning, Advanced", "ORB"),
    ("NEB-101", "Nebula Analytics Essentials", "NEB"),
    ("NEB-210", 'Building "Executive" Dashboards in Nebula', "NEB"),
    ("PUL-101", "Pulsar Gateway Basics", "PUL"),
    ("PUL-220", "Securing Pulsar Gateways", "PUL"),
    ("QSR-101", "Quasar Mobile SDK Quickstart", "QSR"),
    ("GEN-100", "Customer Success Onboarding", ""),
    ("ORB-101-JA", "Orbit Server 入門", "ORB"),
)
