"""The random part of the sample: accounts in fixed-size chunks, each chunk streamed to disk.

Memory stays bounded whatever ``--accounts`` is: a chunk of :data:`CHUNK_ACCOUNTS` accounts
and everything related to it (about 100 ticket rows per account) is drawn with numpy,
formatted with Arrow kernels (:mod:`~cs_pipeline.sample_data.text`) and appended to the 15
files before the next chunk starts.

Determinism: chunk ``c`` draws each entity from its own generator seeded with
``(seed, c, entity)``, ids come from counters advanced in chunk order, and nothing reads the
clock (as-of is an input), so the same seed, account count and as-of give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cs_pipeline.sample_data import catalog as cat
from cs_pipeline.sample_data import text as tx
from cs_pipeline.sample_data.ids import sfdc_ids
from cs_pipeline.sample_data.planted import planted_records
from cs_pipeline.sample_data.writers import DeltaFilesWriter, ExtractWriter, style_for
from cs_pipeline.sources import EXTRACTS

CHUNK_ACCOUNTS = 1000
DAY = tx.SECONDS_PER_DAY
EPOCH = dt.date(1970, 1, 1)

# Id spaces. Random records count up from these bases; planted records use lower numbers
# (or the Salesforce pod "Dn" instead of "5g"), so the two can never collide.
ACCOUNT_ID_BASE = 0  # sequence 3*i is account i; 3*i+1 an id no account has (orphans)
TICKET_ID_BASE = 100_000
ORG_ID_BASE = 360_000_000_000
UNKNOWN_ORG_ID_BASE = 390_000_000_000
CUSTOMER_NUMBER_BASE = 200_000
CONTRACT_ID_BASE = 1_000_000
INVOICE_ID_BASE = 10_000_000
ENTITLEMENT_ID_BASE = 1_000_000
UNKNOWN_ENTITLEMENT_ID_BASE = 500_000
INSTALLATION_ID_BASE = 10_000_000
ENROLLMENT_ID_BASE = 10_000_000

# One random stream per entity, so changing one entity's logic leaves the others unchanged.
STREAMS = {name: i for i, name in enumerate((
    "account", "opportunity", "task", "nps", "organization", "ticket", "customer",
    "subscription", "invoice", "enrollment", "entitlement", "installation"))}

STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
# The statuses a ticket passes through to reach its final status (index into STATUSES).
_PATHS = {0: (0,), 1: (0, 1), 2: (0, 1, 2), 3: (0, 1, 3), 4: (0, 1, 2, 4), 5: (0, 1, 2, 4, 5)}
PATH = np.zeros((6, 5), dtype=np.int64)
PATH_LEN = np.zeros(6, dtype=np.int64)
for _final, _path in _PATHS.items():
    PATH[_final, :len(_path)] = _path
    PATH_LEN[_final] = len(_path)
PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_TYPES = ("problem", "incident", "question", "task")
RATINGS = ("good", "bad", "offered", "unoffered")
ENVIRONMENTS = ("production", "staging", "test")


@dataclass
class _Run:
    """What every chunk needs: inputs, reference data and the global id counters."""

    seed: int
    n_accounts: int
    as_of: dt.date
    releases: list[cat.Release]
    user_ids: pa.Array
    users_by_region: list[np.ndarray]
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def as_of_day(self) -> int:
        return (self.as_of - EPOCH).days

    @property
    def as_of_end(self) -> int:
        """The last second of the as-of day: the moment the extracts are taken."""
        return (self.as_of_day + 1) * DAY - 1

    def take_ids(self, name: str, base: int, n: int) -> np.ndarray:
        start = self.counters.get(name, base)
        self.counters[name] = start + n
        return np.arange(start, start + n, dtype=np.int64)

    def rng(self, chunk: int, stream: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, chunk, STREAMS[stream]])


@dataclass
class _Accounts:
    """One chunk of random accounts, as parallel arrays (index = position in the chunk)."""

    gi: np.ndarray  # global account index
    id18: pa.Array
    id15: pa.Array
    orphan_id18: pa.Array  # an id of the same shape that no account has
    kind: np.ndarray  # index into catalog.TYPES
    deleted: np.ndarray
    region: np.ndarray
    country: np.ndarray
    segment: np.ndarray
    currency: np.ndarray  # index into catalog.CURRENCIES
    name: pa.Array
    short_name: pa.Array
    erp_name: pa.Array
    domain: pa.Array  # lower-case, "" when the account has no Website
    has_domain: np.ndarray
    created_day: np.ndarray
    is_japan: np.ndarray
    owner: np.ndarray

    def __len__(self) -> int:
        return len(self.gi)


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Child rows of parents with ``counts`` children: (parent index, ordinal in parent)."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return parent, np.arange(parent.size) - starts[parent]


def _choice(rng: np.random.Generator, weights: tuple[float, ...] | list[float],
            size: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _scramble(sequence: np.ndarray) -> np.ndarray:
    """A one-to-one map of sequence numbers onto 7 base-62 digits, so ids look like real ones
    (``0015g0000Xk3TQ9``) rather than a visible counter. 1000003 is prime, hence coprime
    to 62**7, which makes the multiplication a bijection (and the product fits int64)."""
    return (np.asarray(sequence, dtype=np.int64) + 1) % 62**7 * 1_000_003 % 62**7


def _sfdc(prefix: str, sequence: np.ndarray) -> pa.Array:
    return tx.fixed_ascii(sfdc_ids(prefix, _scramble(sequence)))


def _day_of_year(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[Y]").astype(int) + 1970


# --- crm -----------------------------------------------------------------------------------

def _users(run_seed: int, n_accounts: int) -> tuple[dict[str, pa.Array], list[np.ndarray]]:
    """CSM users, a few per region (about one per 60 accounts); ~8% have left (inactive)."""
    rng = np.random.default_rng([run_seed, 0, 99])
    n = max(8, n_accounts // 60 + 4)
    region = np.arange(n) % 4
    first = rng.integers(0, len(cat.FIRST_NAMES), n)
    last = rng.integers(0, len(cat.LAST_NAMES), n)
    jfirst = rng.integers(0, len(cat.JP_FIRST_NAMES), n)
    jlast = rng.integers(0, len(cat.JP_LAST_NAMES), n)
    jp = region == cat.JAPAN
    name = tx.where(jp, tx.join(tx.pick([k for _, k in cat.JP_LAST_NAMES], jlast), " ",
                                tx.pick([k for _, k in cat.JP_FIRST_NAMES], jfirst)),
                    tx.join(tx.pick(cat.FIRST_NAMES, first), " ", tx.pick(cat.LAST_NAMES, last)))
    local = tx.where(jp, tx.join(tx.pick([r for r, _ in cat.JP_FIRST_NAMES], jfirst), ".",
                                 tx.pick([r for r, _ in cat.JP_LAST_NAMES], jlast)),
                     tx.join(tx.pick(cat.FIRST_NAMES, first), ".", tx.pick(cat.LAST_NAMES, last)))
    local = pc.replace_substring(pc.utf8_lower(local), "'", "")
    email = tx.join(local, tx.ints(np.arange(n)), "@", cat.VENDOR_DOMAIN)
    ids = _sfdc("0055g0", np.arange(n))
    active = rng.random(n) >= 0.08
    cols = {"Id": ids, "Name": name, "Email": email, "IsActive": tx.booleans(active)}
    return cols, [np.flatnonzero(region == r) for r in range(4)]


def _accounts(run: _Run, chunk: int, gi: np.ndarray) -> _Accounts:
    rng = run.rng(chunk, "account")
    n = len(gi)
    region = _choice(rng, cat.REGION_WEIGHTS, n)
    country = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    for r in range(4):
        idx = [i for i, c in enumerate(cat.COUNTRIES) if c.region == r]
        cum = np.cumsum([cat.COUNTRIES[i].weight for i in idx])
        mask = region == r
        country[mask] = np.asarray(idx)[np.minimum(np.searchsorted(cum / cum[-1], u[mask]),
                                                   len(idx) - 1)]
    currency_of_country = np.array([cat.CURRENCIES.index(c.currency) for c in cat.COUNTRIES])
    kind = _choice(rng, cat.TYPE_WEIGHTS, n)
    deleted = rng.random(n) < 0.01
    segment = _choice(rng, cat.SEGMENT_WEIGHTS, n)
    is_japan = region == cat.JAPAN

    # Unique word pairs per global index (a numeric suffix once the pairs run out).
    pairs = len(cat.WORDS1) * len(cat.WORDS2)
    p = (gi % pairs * 7919 + 13) % pairs
    w1, w2, again = p // len(cat.WORDS2), p % len(cat.WORDS2), gi // pairs
    jpairs = len(cat.JP_WORDS1) * len(cat.JP_WORDS2)
    jp = (gi % jpairs * 7919 + 13) % jpairs
    j1, j2, jagain = jp // len(cat.JP_WORDS2), jp % len(cat.JP_WORDS2), gi // jpairs

    word1, word2 = tx.pick(cat.WORDS1, w1), tx.pick(cat.WORDS2, w2)
    romaji1 = tx.pick([r for r, _ in cat.JP_WORDS1], j1)
    romaji2 = tx.pick([r for r, _ in cat.JP_WORDS2], j2)
    kanji1 = tx.pick([k for _, k in cat.JP_WORDS1], j1)
    kanji2 = tx.pick([k for _, k in cat.JP_WORDS2], j2)
    suffix_num = np.where(is_japan, jagain, again)
    suffix = tx.where(suffix_num > 0, tx.ints(suffix_num + 1), "")
    tld = tx.pick([c.tld for c in cat.COUNTRIES], country)
    slug = tx.where(is_japan, tx.join(romaji1, romaji2), pc.utf8_lower(tx.join(word1, word2)))
    domain = tx.join(slug, suffix, ".", tld)

    # Names: "Word1 Word2 <legal suffix>", with commas and quotes now and then; Japanese
    # accounts get kanji, full-width or romaji names.
    legal_options = [s for c in cat.COUNTRIES for s in c.legal]
    legal_offset = np.cumsum([0] + [len(c.legal) for c in cat.COUNTRIES])[:-1]
    legal_count = np.array([len(c.legal) for c in cat.COUNTRIES])
    legal = tx.pick(legal_options, legal_offset[country]
                    + rng.integers(0, 1 << 30, n) % legal_count[country])
    short = tx.join(word1, " ", word2)
    style = rng.random(n)
    western = tx.where(style < 0.05, tx.join(short, ", ", legal),
                       tx.where(style < 0.06, tx.join('The "', word1, '" ', word2, " Company"),
                                tx.join(short, " ", legal)))
    kanji_name = tx.join("株式会社", kanji1, kanji2)
    jp_style = rng.random(n)
    fw_romaji = pa.array([cat.full_width(r.upper()) for r, _ in cat.JP_WORDS1]).take(
        pa.array(j1))
    romaji_title = pc.utf8_capitalize(romaji1)
    japanese = tx.where(jp_style < 0.5, kanji_name,
                        tx.where(jp_style < 0.65, tx.join(kanji1, kanji2, "株式会社"),
                                 tx.where(jp_style < 0.85, tx.join(fw_romaji, kanji2),
                                          tx.join(romaji_title, " ",
                                                  pc.utf8_capitalize(romaji2), " K.K."))))
    name = tx.where(is_japan, japanese, western)
    short_name = tx.where(is_japan, tx.join(kanji1, kanji2), short)
    erp_style = rng.random(n)
    erp_name = tx.where(is_japan, kanji_name,
                        tx.where(erp_style < 0.15, pc.utf8_upper(western),
                                 tx.where(erp_style < 0.3, short, western)))

    created_day = run.as_of_day - rng.integers(30, 3650, n)
    has_domain = rng.random(n) >= 0.02
    owners = np.empty(n, dtype=np.int64)
    for r in range(4):
        mask = region == r
        pool = run.users_by_region[r]
        owners[mask] = pool[rng.integers(0, len(pool), mask.sum())]

    counters = ACCOUNT_ID_BASE + 3 * gi
    id_matrix = sfdc_ids("0015g0", _scramble(counters))
    return _Accounts(
        gi=gi, id18=tx.fixed_ascii(id_matrix), id15=tx.fixed_ascii(id_matrix[:, :15]),
        orphan_id18=_sfdc("0015g0", counters + 1), kind=kind, deleted=deleted, region=region,
        country=country, segment=segment, currency=currency_of_country[country], name=name,
        short_name=short_name, erp_name=erp_name,
        domain=tx.where(has_domain, domain, ""), has_domain=has_domain,
        created_day=created_day, is_japan=is_japan, owner=owners)


def _account_rows(run: _Run, chunk: int, gi: np.ndarray) -> tuple[dict[str, pa.Array],
                                                                   _Accounts]:
    acc = _accounts(run, chunk, gi)
    rng = np.random.default_rng([run.seed, chunk, STREAMS["account"], 1])
    n = len(acc)
    # Website as people type it: with or without scheme, www, trailing path; a few empty.
    form = _choice(rng, (0.30, 0.20, 0.10, 0.15, 0.10, 0.13, 0.02), n)
    d = acc.domain
    capitalized = pc.utf8_capitalize(d)
    variants = [tx.join("https://www.", d), tx.join("https://www.", d, "/"),
                tx.join("http://", d), tx.join("www.", d), tx.join("https://", d, "/en/home"),
                d, tx.join("https://www.", capitalized)]
    website = variants[0]
    for i in range(1, len(variants)):
        website = tx.where(form == i, variants[i], website)
    website = tx.where(acc.has_domain, website, "")

    # Hierarchy: ~6% of accounts have a parent earlier in the same chunk.
    local = np.arange(n)
    has_parent = (rng.random(n) < 0.06) & (local > 0)
    parent = (rng.random(n) * np.maximum(local, 1)).astype(np.int64)
    parent_id = tx.where(has_parent, acc.id18.take(pa.array(parent)), "")
    employees_lo = np.array([2000, 200, 5])[acc.segment]
    employees_hi = np.array([200000, 5000, 500])[acc.segment]
    employees = (employees_lo + rng.random(n) * (employees_hi - employees_lo)).astype(np.int64)
    created = acc.created_day * DAY + rng.integers(0, DAY, n)
    modified = created + (rng.random(n) * (run.as_of_end - created)).astype(np.int64)
    return {
        "Id": acc.id18, "Name": acc.name, "ParentId": parent_id,
        "Type": tx.pick(cat.TYPES, acc.kind),
        "Industry": tx.pick(cat.INDUSTRIES, rng.integers(0, len(cat.INDUSTRIES), n)),
        "NumberOfEmployees": tx.where(rng.random(n) < 0.9, tx.ints(employees), ""),
        "Website": website,
        "BillingCountry": tx.pick([c.name for c in cat.COUNTRIES], acc.country),
        "Region__c": tx.pick(cat.REGIONS, acc.region),
        "Segment__c": tx.pick(cat.SEGMENTS, acc.segment),
        "OwnerId": run.user_ids.take(pa.array(acc.owner)),
        "CreatedDate": tx.sf_timestamps(created),
        "LastModifiedDate": tx.sf_timestamps(modified),
        "IsDeleted": tx.booleans(acc.deleted),
    }, acc


def _account_ref(rng: np.random.Generator, acc: _Accounts, parent: np.ndarray,
                 orphan_rate: float) -> pa.Array:
    """The 18-char account id of each child row; an id no account has at ``orphan_rate``."""
    orphan = rng.random(parent.size) < orphan_rate
    p = pa.array(parent)
    return tx.where(orphan, acc.orphan_id18.take(p), acc.id18.take(p))


def _opportunities(run: _Run, chunk: int, acc: _Accounts) -> dict[str, pa.Array]:
    rng = run.rng(chunk, "opportunity")
    n = len(acc)
    customer, prospect = acc.kind == 0, acc.kind == 1
    counts = np.where(customer, 1 + np.minimum(rng.poisson(2.5, n), 7),
                      np.where(prospect, 1 + (rng.random(n) < 0.3),
                               1 + np.minimum(rng.poisson(1.5, n), 5)))
    parent, ordinal = _expand(counts)
    m = parent.size
    first = ordinal == 0
    typ = np.where(first, 0, 1 + _choice(rng, (0.55, 0.30, 0.15), m))
    typ = np.where(prospect[parent], 0, typ)
    close = np.where(first & ~prospect[parent],
                     np.minimum(acc.created_day[parent] + rng.integers(0, 60, m), run.as_of_day),
                     run.as_of_day + rng.integers(-700, 180, m))
    close = np.where(prospect[parent], run.as_of_day + rng.integers(-60, 120, m), close)
    close = np.where(acc.kind[parent] == 2, np.minimum(close, run.as_of_day - 1), close)
    closed = close < run.as_of_day
    won = closed & ((rng.random(m) < 0.75) | (first & ~prospect[parent]))
    stage = tx.where(closed, tx.where(won, "Closed Won", "Closed Lost"),
                     tx.pick(cat.OPEN_STAGES, rng.integers(0, len(cat.OPEN_STAGES), m)))
    usd = np.array([180_000, 40_000, 8_000])[acc.segment[parent]] * rng.lognormal(0, 0.5, m)
    cur = acc.currency[parent]
    rate = np.array([float(cat.FX_BASE[c]) for c in cat.CURRENCIES])[cur]
    no_minor = np.isin(cur, [cat.CURRENCIES.index(c) for c in cat.NO_MINOR_UNIT])
    local = usd / rate
    minor = np.where(no_minor, np.round(local, -3), np.round(local, -1) * 100).astype(np.int64)
    amount = tx.where(rng.random(m) < 0.98, tx.amounts(minor, ~no_minor), "")
    created = (close - rng.integers(15, 150, m)) * DAY + rng.integers(0, DAY, m)
    created = np.minimum(created, run.as_of_end - rng.integers(0, DAY, m))
    type_text = tx.pick(cat.OPPORTUNITY_TYPES, typ)
    return {
        "Id": _sfdc("0065g0", run.take_ids("opportunity", 0, m)),
        "AccountId": _account_ref(rng, acc, parent, 0.002),
        "Name": tx.join(acc.short_name.take(pa.array(parent)), " - ", type_text, " ",
                        tx.ints(_day_of_year(close))),
        "Type": type_text, "StageName": stage, "Amount": amount,
        "CurrencyIsoCode": tx.pick(cat.CURRENCIES, cur), "CloseDate": tx.dates(close),
        "IsClosed": tx.booleans(closed), "IsWon": tx.booleans(won),
        "CreatedDate": tx.sf_timestamps(created),
        "IsDeleted": tx.booleans(rng.random(m) < 0.005),
    }


def _tasks(run: _Run, chunk: int, acc: _Accounts) -> dict[str, pa.Array]:
    rng = run.rng(chunk, "task")
    n = len(acc)
    lam = np.where(acc.kind == 0, np.array([30.0, 15.0, 6.0])[acc.segment],
                   np.where(acc.kind == 1, 4.0, 3.0))
    lam = np.where((acc.kind == 0) & (rng.random(n) < 0.08), 0.0, lam)  # neglected accounts
    parent, _ = _expand(rng.poisson(lam))
    m = parent.size
    future = rng.random(m) < 0.07
    when = np.where(future, run.as_of_day + rng.integers(1, 45, m),
                    run.as_of_day - rng.integers(0, 365, m))
    status = np.where(future, 1, _choice(rng, (0.88, 0.05, 0.04, 0.02, 0.01), m))
    typ = _choice(rng, cat.TASK_TYPE_WEIGHTS, m)
    subjects = [s for t in cat.TASK_TYPES for s in cat.TASK_SUBJECTS[t]]
    offset = np.cumsum([0] + [len(cat.TASK_SUBJECTS[t]) for t in cat.TASK_TYPES])[:-1]
    count = np.array([len(cat.TASK_SUBJECTS[t]) for t in cat.TASK_TYPES])
    subject = offset[typ] + rng.integers(0, 1 << 30, m) % count[typ]
    has_who = rng.random(m) < 0.65
    return {
        "Id": _sfdc("00T5g0", run.take_ids("task", 0, m)),
        "AccountId": _account_ref(rng, acc, parent, 0.003),
        "WhoId": tx.where(has_who, _sfdc("0035g0", rng.integers(0, 62**6, m)), ""),
        "Subject": tx.pick(subjects, subject), "Type": tx.pick(cat.TASK_TYPES, typ),
        "ActivityDate": tx.dates(when), "Status": tx.pick(cat.TASK_STATUSES, status),
        "IsDeleted": tx.booleans(rng.random(m) < 0.01),
    }


def _person_emails(rng: np.random.Generator, m: int, domain: pa.Array,
                   japanese: np.ndarray) -> pa.Array:
    """``first.last@domain`` (romaji for Japanese accounts)."""
    first = tx.where(japanese,
                     tx.pick([r for r, _ in cat.JP_FIRST_NAMES],
                             rng.integers(0, len(cat.JP_FIRST_NAMES), m)),
                     pc.utf8_lower(tx.pick(cat.FIRST_NAMES,
                                           rng.integers(0, len(cat.FIRST_NAMES), m))))
    last = tx.where(japanese,
                    tx.pick([r for r, _ in cat.JP_LAST_NAMES],
                            rng.integers(0, len(cat.JP_LAST_NAMES), m)),
                    pc.utf8_lower(tx.pick(cat.LAST_NAMES,
                                          rng.integers(0, len(cat.LAST_NAMES), m))))
    last = pc.replace_substring(last, "'", "")
    return tx.join(first, ".", last, "@", domain)


def _account_domain_or_freemail(rng: np.random.Generator, acc: _Accounts,
                                parent: np.ndarray) -> pa.Array:
    free = tx.pick(cat.FREE_MAIL_DOMAINS, rng.integers(0, len(cat.FREE_MAIL_DOMAINS),
                                                       parent.size))
    return tx.where(acc.has_domain[parent], acc.domain.take(pa.array(parent)), free)


def _nps(run: _Run, chunk: int, acc: _Accounts) -> dict[str, pa.Array]:
    rng = run.rng(chunk, "nps")
    n = len(acc)
    counts = np.where(acc.kind == 1, 0, np.minimum(rng.poisson(1.2, n), 5))
    parent, _ = _expand(counts)
    m = parent.size
    score = _choice(rng, (2, 1, 2, 3, 3, 6, 8, 14, 22, 20, 19), m)
    jp = acc.is_japan[parent]
    comment = tx.where(jp, tx.pick(cat.NPS_COMMENTS_JA,
                                   rng.integers(0, len(cat.NPS_COMMENTS_JA), m)),
                       tx.pick(cat.NPS_COMMENTS, rng.integers(0, len(cat.NPS_COMMENTS), m)))
    return {
        "Id": _sfdc("a0B5g0", run.take_ids("nps", 0, m)),
        "Account__c": _account_ref(rng, acc, parent, 0.005),
        "Respondent_Email__c": _person_emails(
            rng, m, _account_domain_or_freemail(rng, acc, parent), jp),
        "Score__c": tx.ints(score),
        "Comment__c": tx.where(rng.random(m) < 0.55, comment, ""),
        "Submitted_Date__c": tx.dates(run.as_of_day - rng.integers(0, 540, m)),
    }


# --- support -------------------------------------------------------------------------------

@dataclass
class _Orgs:
    org_id: np.ndarray
    account: np.ndarray  # index in the chunk, -1 for orgs that belong to no account
    domain: pa.Array  # for requester e-mails
    japanese: np.ndarray
    ticket_rate: np.ndarray  # expected tickets over the two years the export covers


def _organizations(run: _Run, chunk: int, acc: _Accounts) -> tuple[pa.Array, _Orgs]:
    rng = run.rng(chunk, "organization")
    n = len(acc)
    p_org = np.array([0.92, 0.20, 0.60])[acc.kind]
    owner = np.flatnonzero(rng.random(n) < p_org)
    k = owner.size
    # external_id: 18-char, 15-char, none (domain only), orphan id, none and no domain.
    mode = _choice(rng, (0.50, 0.20, 0.25, 0.01, 0.04), k)
    po = pa.array(owner)
    ext = tx.where(mode == 0, acc.id18.take(po),
                   tx.where(mode == 1, acc.id15.take(po), acc.orphan_id18.take(po)))
    ext_json = tx.json_string(ext, np.isin(mode, (0, 1, 3)))
    dom = acc.domain.take(po)
    has_dom = acc.has_domain[owner]
    dom_json = tx.join('["', dom, '"]')
    # A second domain of the same company (slug.net: no random account uses .net).
    alt_json = tx.join('["', dom, '","', pc.replace_substring_regex(dom, r"\..*$", ".net"),
                       '"]')
    keyed = mode < 2
    domains = tx.where(keyed & (rng.random(k) < 0.7) & has_dom, dom_json, "[]")
    domains = tx.where((mode == 2) & has_dom,
                       tx.where(rng.random(k) < 0.8, dom_json, alt_json), domains)
    name = tx.where(rng.random(k) < 0.6, acc.short_name.take(po), acc.name.take(po))
    created = np.maximum(acc.created_day[owner], run.as_of_day - 2500) * DAY + rng.integers(
        0, 30 * DAY, k)
    created = np.minimum(created, run.as_of_end - DAY)

    # Organizations no key can ever match (trial sign-ups, partners): ~2% extra.
    e = int(rng.binomial(n, 0.02))
    extra_dom = tx.join(pc.utf8_lower(tx.pick(cat.WORDS1, rng.integers(0, len(cat.WORDS1), e))),
                        tx.ints(rng.integers(1, 999, e)), "-partners.net")
    extra_domains = tx.where(rng.random(e) < 0.5, tx.join('["', extra_dom, '"]'), "[]")
    extra_name = tx.join(tx.pick(cat.WORDS1, rng.integers(0, len(cat.WORDS1), e)), " ",
                         tx.pick(cat.WORDS2, rng.integers(0, len(cat.WORDS2), e)), " (trial)")

    org_id = np.concatenate([ORG_ID_BASE + acc.gi[owner],
                             run.take_ids("extra_org", ORG_ID_BASE + run.n_accounts, e)])
    all_created = np.concatenate([created, run.as_of_end - rng.integers(DAY, 700 * DAY, e)])
    lines = tx.join(
        '{"id":', tx.ints(org_id),
        ',"name":', tx.json_string(pa.concat_arrays([name, extra_name])),
        ',"external_id":', pa.concat_arrays([ext_json, pa.array(["null"] * e, pa.string())]),
        ',"domain_names":', pa.concat_arrays([domains, extra_domains]),
        ',"created_at":"', tx.z_timestamps(all_created), '"}')
    per_year = np.array([80.0, 25.0, 7.0])[acc.segment[owner]] * np.array(
        [1.0, 0.15, 0.3])[acc.kind[owner]]
    orgs = _Orgs(
        org_id=org_id,
        account=np.concatenate([owner, np.full(e, -1)]),
        domain=pa.concat_arrays([tx.where(has_dom, dom, "gmail.com"), extra_dom]),
        japanese=np.concatenate([acc.is_japan[owner], np.zeros(e, dtype=bool)]),
        ticket_rate=np.concatenate([per_year, np.full(e, 4.0)]) * 2,
    )
    return lines, orgs


def _tickets(run: _Run, chunk: int, orgs: _Orgs) -> pa.Array:
    rng = run.rng(chunk, "ticket")
    org_of, _ = _expand(rng.poisson(orgs.ticket_rate))
    t = org_of.size
    ticket_id = run.take_ids("ticket", TICKET_ID_BASE, t)
    age = rng.integers(3600, 730 * DAY, t)
    created = run.as_of_end - age
    age_days = age // DAY
    final = np.where(
        age_days < 3, _choice(rng, (0.25, 0.40, 0.20, 0.05, 0.10, 0.0), t),
        np.where(age_days < 14, _choice(rng, (0.0, 0.20, 0.15, 0.05, 0.40, 0.20), t),
                 _choice(rng, (0.0, 0.04, 0.03, 0.01, 0.07, 0.85), t)))
    versions = np.minimum(1 + rng.poisson(1.8, t), PATH_LEN[final])
    resolution = np.clip(rng.lognormal(np.log(1440), 1.3, t), 10, 60 * 1440) * 60
    span = np.where(final == 5, resolution + 4 * DAY,
                    np.where(final == 4, resolution, rng.uniform(0.2, 1.0, t) * age))
    span = np.maximum(np.minimum(span, age), 300).astype(np.int64)

    tk, k = _expand(versions)  # one row per version
    v = versions[tk]
    # The first version is the ticket's creation (new); the others are the last steps of
    # its path, ending at the final status.
    status = np.where(k == 0, PATH[final[tk], 0], PATH[final[tk], PATH_LEN[final[tk]] - v + k])
    frac = np.where(v == 1, 1.0, k / np.maximum(v - 1, 1))
    updated = created[tk] + (span[tk] * frac).astype(np.int64)
    solved_row = status >= 4
    # solved_at: when the ticket first reached solved (its first solved/closed version).
    starts = np.cumsum(versions) - versions
    never = np.iinfo(np.int64).max
    first_solved = (np.minimum.reduceat(np.where(solved_row, updated, never), starts)
                    if t else np.zeros(0, dtype=np.int64))
    solved_at = first_solved[tk]

    # Per-ticket attributes, formatted once per ticket and broadcast to its versions.
    org_mode = _choice(rng, (0.987, 0.010, 0.003), t)  # own org, no org, deleted org
    org_json = tx.where(org_mode == 0, tx.ints(orgs.org_id[org_of]),
                        tx.where(org_mode == 1, "null",
                                 tx.ints(UNKNOWN_ORG_ID_BASE + ticket_id)))
    priority = _choice(rng, (0.25, 0.50, 0.15, 0.05, 0.05), t)  # last: null
    ttype = _choice(rng, (0.25, 0.35, 0.25, 0.10, 0.05), t)
    jp = orgs.japanese[org_of]
    subjects = cat.TICKET_SUBJECTS + cat.TICKET_SUBJECTS_JA
    subject = np.where(jp & (rng.random(t) < 0.8),
                       len(cat.TICKET_SUBJECTS) + rng.integers(0, len(cat.TICKET_SUBJECTS_JA), t),
                       rng.integers(0, len(cat.TICKET_SUBJECTS), t))
    email = _person_emails(rng, t, orgs.domain.take(pa.array(org_of)), jp)
    rating = _choice(rng, (0.50, 0.08, 0.22, 0.20), t)
    product = rng.integers(0, len(cat.PRODUCTS), t)
    has_product = rng.random(t) < 0.9
    # The reported version is one of the product's releases out by as-of (betas included).
    all_versions = sorted((r for r in run.releases if r.release_date <= run.as_of),
                          key=lambda r: cat.PRODUCTS.index(r.product_code))
    per_product = np.array([sum(r.product_code == p for r in all_versions)
                            for p in cat.PRODUCTS])
    first_of_product = np.cumsum(per_product) - per_product
    version_idx = first_of_product[product] + rng.integers(0, 1 << 30, t) % per_product[product]
    has_version = has_product & (rng.random(t) < 0.65)
    reply = np.clip(rng.lognormal(np.log(90), 1.2, t), 1, 20000).astype(np.int64)
    tags = rng.integers(0, len(cat.TICKET_TAGS), t)

    head = tx.join('{"id":', tx.ints(ticket_id), ',"created_at":"', tx.z_timestamps(created),
                   '","updated_at":"')
    middle = tx.join(
        '","priority":', tx.pick_json(PRIORITIES, priority, priority < 4),
        ',"type":', tx.pick_json(TICKET_TYPES, ttype, ttype < 4),
        ',"subject":', tx.pick_json(subjects, subject),
        ',"organization_id":', org_json,
        ',"requester_email":"', email,  # built from plain ASCII names: nothing to escape
        '","tags":', tx.pick(cat.TICKET_TAGS, tags),
        ',"satisfaction_rating":{"score":"')
    fields = tx.join(
        '"},"custom_fields":[{"id":"product","value":',
        tx.pick_json(cat.PRODUCTS, product, has_product),
        '},{"id":"version","value":',
        tx.pick_json([r.version for r in all_versions], version_idx, has_version),
        '}],"metric_set":{"reply_time_in_minutes":{"calendar":')

    # The incremental export is ordered by change time, so versions of a ticket are apart.
    order = np.lexsort((ticket_id[tk], updated))
    tk, status, updated, solved_row, solved_at = (
        tk[order], status[order], updated[order], solved_row[order], solved_at[order])
    row_ticket = pa.array(tk)
    return tx.join(
        head.take(row_ticket), tx.z_timestamps(updated),
        '","status":"', tx.pick(STATUSES, status),
        middle.take(row_ticket), tx.pick(RATINGS, np.where(solved_row, rating[tk], 3)),
        fields.take(row_ticket), tx.json_number(reply[tk], status > 0),
        '},"full_resolution_time_in_minutes":{"calendar":',
        tx.json_number((np.where(solved_row, solved_at, 0) - created[tk]) // 60, solved_row),
        '},"solved_at":', tx.where(solved_row, tx.join('"', tx.z_timestamps(
            np.where(solved_row, solved_at, 0)), '"'), "null"),
        "}}")


# --- finance -------------------------------------------------------------------------------

@dataclass
class _Customers:
    """ERP customers of the chunk: account-backed ones first, then ERP-only ones."""

    number: np.ndarray
    account: np.ndarray  # chunk index, -1 for ERP-only customers
    segment: np.ndarray
    currency: np.ndarray
    kind: np.ndarray  # account Type (ERP-only customers count as Customer)
    created_day: np.ndarray


def _customer_number_text(numbers: np.ndarray) -> pa.Array:
    return tx.join("C-", pc.utf8_lpad(tx.ints(numbers), width=6, padding="0"))


def _customers(run: _Run, chunk: int, acc: _Accounts) -> tuple[dict[str, pa.Array], _Customers]:
    rng = run.rng(chunk, "customer")
    n = len(acc)
    has = rng.random(n) < np.array([0.97, 0.0, 0.95])[acc.kind]
    own = np.flatnonzero(has)
    k = own.size
    po = pa.array(own)
    # sfdc_account_id: 18-char, 15-char, empty ("often empty"), an id no account has.
    mode = _choice(rng, (0.49, 0.30, 0.20, 0.01), k)
    sfdc = tx.where(mode == 0, acc.id18.take(po),
                    tx.where(mode == 1, acc.id15.take(po),
                             tx.where(mode == 2, "", acc.orphan_id18.take(po))))
    e = int(rng.binomial(n, 0.015))  # customers billed without a CRM account
    extra_name = tx.join(tx.pick(cat.WORDS1, rng.integers(0, len(cat.WORDS1), e)), " ",
                         tx.pick(cat.WORDS2, rng.integers(0, len(cat.WORDS2), e)), " Ltd")
    extra_currency = _choice(rng, (0.6, 0.2, 0.1, 0.05, 0.03, 0.02), e)
    number = np.concatenate([
        CUSTOMER_NUMBER_BASE + acc.gi[own],
        run.take_ids("erp_only_customer", CUSTOMER_NUMBER_BASE + run.n_accounts, e)])
    currency = np.concatenate([acc.currency[own], extra_currency])
    cols = {
        "customer_number": _customer_number_text(number),
        "company_name": pa.concat_arrays([acc.erp_name.take(po), extra_name]),
        "sfdc_account_id": pa.concat_arrays([sfdc, pa.array([""] * e, pa.string())]),
        "billing_currency": tx.pick(cat.CURRENCIES, currency),
    }
    info = _Customers(
        number=number, account=np.concatenate([own, np.full(e, -1)]),
        segment=np.concatenate([acc.segment[own], np.full(e, 2)]), currency=currency,
        kind=np.concatenate([acc.kind[own], np.zeros(e, dtype=np.int64)]),
        created_day=np.concatenate([acc.created_day[own],
                                    run.as_of_day - rng.integers(100, 2000, e)]))
    return cols, info


@dataclass
class _Lines:
    """Subscription lines (and their contracts) of the chunk, for invoices and licenses."""

    customer: np.ndarray  # index into _Customers
    product: np.ndarray
    start: np.ndarray
    end: np.ndarray
    term: np.ndarray  # 0 current, 1.. previous (years back), -1 booked renewal
    contract: np.ndarray  # index into the contract arrays below
    contract_customer: np.ndarray
    contract_start: np.ndarray
    contract_end: np.ndarray
    contract_minor: np.ndarray


def _subscriptions(run: _Run, chunk: int, cus: _Customers) -> tuple[dict[str, pa.Array], _Lines]:
    rng = run.rng(chunk, "subscription")
    k = cus.number.size
    a = run.as_of_day
    n_products = np.minimum(
        np.array([2, 1, 1])[cus.segment] + rng.poisson(np.array([1.0, 0.8, 0.3])[cus.segment]),
        len(cat.PRODUCTS))
    product_order = np.argsort(rng.random((k, len(cat.PRODUCTS))), axis=1)
    three_year = rng.random(k) < 0.15
    term_len = np.where(three_year, 1095, 365)
    former = cus.kind == 2
    end_cur = np.where(former, a - rng.integers(1, 500, k), a + 1 + (
        rng.random(k) * term_len).astype(np.int64))
    start_cur = end_cur - term_len
    n_prev = np.clip((start_cur - cus.created_day) // 365, 0, 2)
    n_prev = np.minimum(n_prev, rng.integers(0, 3, k))
    booked = ~former & (end_cur - a < 60) & (rng.random(k) < 0.4)
    n_contracts = n_prev + 1 + booked

    # Contracts: previous terms (oldest first), the current term, a booked renewal.
    c_cus, c_ord = _expand(n_contracts)
    back = n_prev[c_cus] - c_ord  # years before the current term; 0 current; -1 booked
    c_start = np.where(back > 0, start_cur[c_cus] - 365 * back,
                       np.where(back == 0, start_cur[c_cus], end_cur[c_cus]))
    c_end = np.where(back > 0, c_start + 365, np.where(back == 0, end_cur[c_cus],
                                                       end_cur[c_cus] + 365))
    contract_no = run.take_ids("contract", CONTRACT_ID_BASE, c_cus.size)

    # Lines: one per product of the customer in every contract.
    contract, line_no = _expand(n_products[c_cus])
    cus_of = c_cus[contract]
    product = product_order[cus_of, line_no]
    m = contract.size
    uplift = 1.05 ** (-back[contract].astype(float))
    usd = (np.array([150_000, 35_000, 6_000])[cus.segment[cus_of]]
           * np.array([1.0, 0.6, 0.5, 0.3])[product] * rng.lognormal(0, 0.4, m) * uplift)
    cur = cus.currency[cus_of]
    rate = np.array([float(cat.FX_BASE[c]) for c in cat.CURRENCIES])[cur]
    no_minor = np.isin(cur, [cat.CURRENCIES.index(c) for c in cat.NO_MINOR_UNIT])
    local = usd / rate
    minor = np.where(no_minor, np.round(local, -4), np.round(local, -2) * 100).astype(np.int64)

    tier_cus = np.where(cus.segment == 0, _choice(rng, (0.1, 0.5, 0.4), k),
                        np.where(cus.segment == 1, _choice(rng, (0.45, 0.5, 0.05), k),
                                 _choice(rng, (0.85, 0.15, 0.0), k)))
    tier = np.maximum(tier_cus[cus_of] - (rng.random(m) < 0.2), 0)
    b = back[contract]
    status = np.where(b > 0, 1, 0)  # 0 Active, 1 Expired, 2 Cancelled
    status = np.where((b == 0) & former[cus_of],
                      np.where(rng.random(m) < 0.6, 1, 2), status)
    status = np.where((b == 0) & ~former[cus_of] & (rng.random(m) < 0.03), 2, status)
    number = cus.number[cus_of]
    orphan = rng.random(m) < 0.002
    number = np.where(orphan, CUSTOMER_NUMBER_BASE + 3 * run.n_accounts
                      + run.take_ids("orphan_line", 0, m), number)
    cols = {
        "contract_id": tx.join("CTR-", pc.utf8_lpad(tx.ints(contract_no[contract]), width=7,
                                                     padding="0")),
        "line_id": tx.ints(line_no + 1),
        "customer_number": _customer_number_text(number),
        "product_code": tx.pick(cat.PRODUCTS, product),
        "start_date": tx.dates(c_start[contract]), "end_date": tx.dates(c_end[contract]),
        "annual_value": tx.amounts(minor, ~no_minor),
        "currency": tx.pick(cat.CURRENCIES, cur),
        "support_tier": tx.pick(cat.TIERS, tier),
        "auto_renew": tx.pick(("N", "Y"), (rng.random(c_cus.size) < 0.75)[contract]),
        "status": tx.pick(("Active", "Expired", "Cancelled"), status),
    }
    contract_minor = np.bincount(contract, weights=np.where(status == 2, 0, minor),
                                 minlength=c_cus.size).astype(np.int64)
    lines = _Lines(customer=cus_of, product=product, start=c_start[contract],
                   end=c_end[contract], term=b, contract=contract,
                   contract_customer=c_cus, contract_start=c_start, contract_end=c_end,
                   contract_minor=contract_minor)
    return cols, lines


def _invoices(run: _Run, chunk: int, cus: _Customers, lines: _Lines) -> dict[str, pa.Array]:
    rng = run.rng(chunk, "invoice")
    a = run.as_of_day
    k = cus.number.size
    quarterly = rng.random(k) < 0.3
    c_cus = lines.contract_customer
    every = np.where(quarterly[c_cus], 91, 365)
    length = lines.contract_end - lines.contract_start
    n_inv = np.maximum(length // every, 1)
    contract, j = _expand(n_inv)
    issued = lines.contract_start[contract] + j * every[contract]
    keep = issued <= a
    contract, j, issued = contract[keep], j[keep], issued[keep]
    m = contract.size
    share = np.where(quarterly[c_cus[contract]], 0.25, 1.0)
    cur = cus.currency[c_cus[contract]]
    no_minor = np.isin(cur, [cat.CURRENCIES.index(c) for c in cat.NO_MINOR_UNIT])
    amount = np.round(lines.contract_minor[contract] * share).astype(np.int64)
    net = np.array([30, 45, 60])[_choice(rng, (0.8, 0.1, 0.1), m)]
    due = issued + net
    # 0 Paid, 1 Open, 2 Void, 3 Credit. Past due: mostly paid, a few still open (overdue);
    # not yet due: mostly open.
    status = np.where(due < a, _choice(rng, (0.955, 0.03, 0.01, 0.005), m),
                      np.where(rng.random(m) < 0.7, 1, 0))
    amount = np.where(status == 3, -np.maximum(amount // 10, 1), amount)
    paid = np.minimum(issued + 1 + (rng.random(m) * (net + 15)).astype(np.int64), a)
    number = cus.number[c_cus[contract]]
    return {
        "invoice_number": tx.join("INV-", pc.utf8_lpad(tx.ints(run.take_ids(
            "invoice", INVOICE_ID_BASE, m)), width=8, padding="0")),
        "customer_number": _customer_number_text(number),
        "invoice_date": tx.dates(issued), "due_date": tx.dates(due),
        "currency": tx.pick(cat.CURRENCIES, cur),
        "amount": tx.amounts(amount, ~no_minor),
        "status": tx.pick(("Paid", "Open", "Void", "Credit"), status),
        "paid_date": tx.where(status == 0, tx.dates(paid), ""),
    }


def _fx_rates(as_of: dt.date) -> dict[str, pa.Array]:
    rows = cat.fx_table(as_of)
    return {
        "currency": pa.array([r[0] for r in rows], pa.string()),
        "month": pa.array([r[1] for r in rows], pa.string()),
        "rate_to_usd": pa.array([str(r[2]) for r in rows], pa.string()),
    }


# --- training ------------------------------------------------------------------------------

def _enrollments(run: _Run, chunk: int, acc: _Accounts) -> dict[str, pa.Array]:
    rng = run.rng(chunk, "enrollment")
    lam = np.where(acc.kind == 0, np.array([14.0, 5.0, 2.0])[acc.segment],
                   np.where(acc.kind == 1, 0.6, 1.0))
    learner_acct, _ = _expand(rng.poisson(lam))
    extra = int(rng.binomial(learner_acct.size, 0.02))  # learners of no customer at all
    n_learners = learner_acct.size + extra
    pa_acct = pa.array(learner_acct)
    # E-mail domain: the account's, upper-cased, a subdomain (a different domain), free-mail.
    mode = _choice(rng, (0.85, 0.03, 0.04, 0.08), learner_acct.size)
    mode = np.where(acc.has_domain[learner_acct], mode, 3)
    dom = acc.domain.take(pa_acct)
    sub = tx.pick(("eu.", "jp.", "mail.", "corp.", "us."), rng.integers(0, 5, learner_acct.size))
    free = tx.pick(cat.FREE_MAIL_DOMAINS, rng.integers(0, len(cat.FREE_MAIL_DOMAINS),
                                                       learner_acct.size))
    domain = tx.where(mode == 0, dom, tx.where(mode == 1, pc.utf8_upper(dom),
                                               tx.where(mode == 2, tx.join(sub, dom), free)))
    unknown = tx.join(pc.utf8_lower(tx.pick(cat.WORDS2, rng.integers(0, len(cat.WORDS2), extra))),
                      tx.ints(rng.integers(1, 999, extra)), "-partners.net")
    jp = np.concatenate([acc.is_japan[learner_acct], np.zeros(extra, dtype=bool)])
    email = _person_emails(rng, n_learners, pa.concat_arrays([domain, unknown]), jp)
    name, short = acc.name.take(pa_acct), acc.short_name.take(pa_acct)
    cstyle = rng.random(learner_acct.size)
    company = tx.where(cstyle < 0.6, name, tx.where(
        cstyle < 0.8, short, tx.where(cstyle < 0.9, pc.utf8_upper(name), tx.where(
            cstyle < 0.95, tx.join(short, ", ", tx.pick(cat.REGIONS, acc.region[learner_acct]),
                                   " team"), ""))))
    extra_company = tx.join(tx.pick(cat.WORDS1, rng.integers(0, len(cat.WORDS1), extra)),
                            " Partners")
    company = pa.concat_arrays([company, extra_company])

    learner, _ = _expand(1 + np.minimum(rng.poisson(0.9, n_learners), 4))
    m = learner.size
    course = rng.integers(0, len(cat.COURSES), m)
    enrolled = run.as_of_end - rng.integers(3600, 720 * DAY, m)
    status = _choice(rng, (0.60, 0.25, 0.15), m)  # completed, in_progress, not_started
    completed = enrolled + rng.integers(3600, 45 * DAY, m)
    status = np.where((status == 0) & (completed > run.as_of_end), 1, status)
    graded = (status == 0) & (rng.random(m) < 0.75)
    pl = pa.array(learner)
    return {
        "enrollment_id": tx.join("ENR-", pc.utf8_lpad(tx.ints(run.take_ids(
            "enrollment", ENROLLMENT_ID_BASE, m)), width=8, padding="0")),
        "user_email": email.take(pl), "user_company": company.take(pl),
        "course_code": tx.pick([c[0] for c in cat.COURSES], course),
        "course_name": tx.pick([c[1] for c in cat.COURSES], course),
        "product_code": tx.pick([c[2] for c in cat.COURSES], course),
        "enrolled_at": tx.z_timestamps(enrolled),
        "completed_at": tx.where(status == 0, tx.z_timestamps(completed), ""),
        "status": tx.pick(("completed", "in_progress", "not_started"), status),
        "score": tx.where(graded, tx.ints(rng.integers(50, 101, m)), ""),
    }


# --- licenses ------------------------------------------------------------------------------

@dataclass
class _Entitlements:
    number: np.ndarray
    product: np.ndarray
    seats: np.ndarray
    start: np.ndarray
    expiry: np.ndarray


def _entitlements(run: _Run, chunk: int, acc: _Accounts, cus: _Customers,
                  lines: _Lines) -> tuple[dict[str, pa.Array], _Entitlements]:
    rng = run.rng(chunk, "entitlement")
    pick = (lines.term == 0) | ((lines.term == 1) & (rng.random(lines.term.size) < 0.4))
    li = np.flatnonzero(pick)
    m = li.size
    cus_of = lines.customer[li]
    acct = cus.account[cus_of]
    has_acct = acct >= 0
    safe = pa.array(np.where(has_acct, acct, 0))
    # sfdc_account_id: 18-char, 15-char or empty (then the ERP customer decides).
    mode = np.where(has_acct, _choice(rng, (0.35, 0.15, 0.50), m), 2)
    sfdc = tx.where(mode == 0, acc.id18.take(safe),
                    tx.where(mode == 1, acc.id15.take(safe), ""))
    orphan = rng.random(m) < 0.003
    sfdc = tx.where(orphan, "", sfdc)
    number = np.where(orphan, CUSTOMER_NUMBER_BASE + 4 * run.n_accounts
                      + run.take_ids("orphan_entitlement", 0, m), cus.number[cus_of])
    lo = np.array([200, 40, 5])[cus.segment[cus_of]]
    hi = np.array([3000, 400, 60])[cus.segment[cus_of]]
    seats = (lo + rng.random(m) * (hi - lo)).astype(np.int64)
    ent = _Entitlements(
        number=run.take_ids("entitlement", ENTITLEMENT_ID_BASE, m),
        product=lines.product[li], seats=seats, start=lines.start[li], expiry=lines.end[li])
    cols = {
        "entitlement_id": tx.join("ENT-", pc.utf8_lpad(tx.ints(ent.number), width=7,
                                                        padding="0")),
        "customer_code": _customer_number_text(number),
        "sfdc_account_id": sfdc,
        "product_code": tx.pick(cat.PRODUCTS, ent.product),
        "seats_purchased": tx.ints(seats),
        "start_date": tx.dates(ent.start), "expiry_date": tx.dates(ent.expiry),
    }
    return cols, ent


def _version_tables(releases: list[cat.Release], as_of: dt.date) -> list[dict[str, object]]:
    """Per product: released GA lines newest first, their versions, and the beta versions."""
    tables = []
    for product in cat.PRODUCTS:
        ga = [r for r in releases if r.product_code == product and r.is_ga
              and r.release_date <= as_of]
        lines = sorted({r.line for r in ga}, reverse=True)
        tables.append({
            "lines": [[r.version for r in ga if r.line == line] for line in lines],
            "beta": [r.version for r in releases if r.product_code == product and not r.is_ga],
        })
    return tables


# How far behind installations run, by environment: weight of the newest line, the next...
_LINE_WEIGHTS = {0: (0.34, 0.28, 0.18, 0.10, 0.06, 0.04), 1: (0.6, 0.25, 0.1, 0.05),
                 2: (0.6, 0.25, 0.1, 0.05)}


def _installations(run: _Run, chunk: int, ent: _Entitlements) -> dict[str, pa.Array]:
    rng = run.rng(chunk, "installation")
    a = run.as_of_day
    active = (ent.start <= a) & (a <= ent.expiry)
    n = ent.number.size
    flags = np.stack([rng.random(n) < np.where(active, 0.92, 0.25),
                      active & (rng.random(n) < 0.45), active & (rng.random(n) < 0.30)], axis=1)
    counts = flags.sum(axis=1)
    e, k = _expand(counts)
    env = np.argsort(~flags, axis=1, kind="stable")[e, k]  # the k-th present environment
    m = e.size
    product = ent.product[e]
    version_text = np.empty(m, dtype=object)
    for p, table in enumerate(_version_tables(run.releases, run.as_of)):
        lines = table["lines"]
        for env_i, weights in _LINE_WEIGHTS.items():
            mask = (product == p) & (env == env_i)
            if not mask.any():
                continue
            w = np.array([weights[min(i, len(weights) - 1)] for i in range(len(lines))])
            line = rng.choice(len(lines), size=mask.sum(), p=w / w.sum())
            pos = rng.integers(0, 1 << 30, mask.sum())
            chosen = np.array([lines[li][q % len(lines[li])] for li, q in zip(line, pos,
                                                                              strict=True)],
                              dtype=object)
            if env_i == 2 and table["beta"]:
                beta = rng.random(mask.sum()) < 0.15
                chosen[beta] = table["beta"][0]
            version_text[mask] = chosen
    seats_prod = np.round(ent.seats[e] * rng.uniform(0.2, 1.15, m)).astype(np.int64)
    seats_small = rng.integers(1, np.maximum(2, ent.seats[e] // 10) + 1)
    seats = np.where(env == 0, seats_prod, seats_small)
    checkin = np.where(active[e], run.as_of_end - rng.integers(0, 2 * DAY, m),
                       np.minimum((ent.expiry[e] + rng.integers(0, 30, m)) * DAY
                                  + rng.integers(0, DAY, m), run.as_of_end))
    unknown = rng.random(m) < 0.002
    ent_no = np.where(unknown, UNKNOWN_ENTITLEMENT_ID_BASE + run.take_ids(
        "unknown_entitlement", 0, m), ent.number[e])
    # About 3 % of the installations of active entitlements stopped checking in 31-400 days
    # ago (stale, docs/health_score.md). Drawn last, so every other value is as before.
    stale = active[e] & (rng.random(m) < 0.03)
    checkin = np.where(stale, run.as_of_end - rng.integers(31, 401, m) * DAY, checkin)
    return {
        "installation_id": tx.join("INS-", pc.utf8_lpad(tx.ints(run.take_ids(
            "installation", INSTALLATION_ID_BASE, m)), width=8, padding="0")),
        "entitlement_id": tx.join("ENT-", pc.utf8_lpad(tx.ints(ent_no), width=7, padding="0")),
        "product_code": tx.pick(cat.PRODUCTS, product),
        "version": pa.array(version_text.tolist() if m else [], pa.string()),
        "environment": tx.pick(ENVIRONMENTS, env),
        "seats_in_use": tx.ints(seats),
        "last_checkin_at": tx.z_timestamps(checkin),
    }


def _product_releases(releases: list[cat.Release]) -> dict[str, pa.Array]:
    return {
        "product_code": pa.array([r.product_code for r in releases], pa.string()),
        "version": pa.array([r.version for r in releases], pa.string()),
        "release_date": pa.array([r.release_date.isoformat() for r in releases], pa.string()),
        "is_ga": pa.array([str(r.is_ga).lower() for r in releases], pa.string()),
        "end_of_support_date": pa.array(
            [r.end_of_support_date.isoformat() if r.end_of_support_date else ""
             for r in releases], pa.string()),
    }


# --- orchestration -------------------------------------------------------------------------

Emit = Callable[[str, Callable[[], object]], object]


def _write_chunk(run: _Run, chunk: int, gi: np.ndarray, emit: Emit) -> None:
    """Draw and write one chunk of accounts and everything related to them."""
    acc = emit("crm/Account.csv", lambda: _account_rows(run, chunk, gi))
    emit("crm/Opportunity.csv", lambda: _opportunities(run, chunk, acc))
    emit("crm/Task.csv", lambda: _tasks(run, chunk, acc))
    emit("crm/NPS_Response__c.csv", lambda: _nps(run, chunk, acc))
    orgs = emit("support/organizations.jsonl", lambda: _organizations(run, chunk, acc))
    emit("support/tickets.jsonl", lambda: _tickets(run, chunk, orgs))
    cus = emit("finance/customers.csv", lambda: _customers(run, chunk, acc))
    lines = emit("finance/subscriptions.csv", lambda: _subscriptions(run, chunk, cus))
    emit("finance/invoices.csv", lambda: _invoices(run, chunk, cus, lines))
    emit("training/enrollments.csv", lambda: _enrollments(run, chunk, acc))
    ent = emit("licenses/entitlements.csv", lambda: _entitlements(run, chunk, acc, cus, lines))
    emit("licenses/installations.csv", lambda: _installations(run, chunk, ent))


def _write_planted(writer: ExtractWriter | DeltaFilesWriter, rows: list[dict[str, object]]) -> None:
    if writer.extract.format == "jsonl":
        lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows]
        writer.write_lines(pa.array(lines, pa.string()))
    else:
        writer.write_columns({c: pa.array([str(r[c]) for r in rows], pa.string())
                              for c in writer.columns})


def generate(out: Path, accounts: int, seed: int, as_of: dt.date, *, shift_jis: bool = True,
             timings: dict[str, float] | None = None, ticket_deltas: int = 0) -> dict[str, int]:
    """Write every registry extract under ``out``; returns records written per file.

    ``accounts`` random accounts plus the planted ones. ``shift_jis=False`` writes the one
    cp932 file in UTF-8. ``timings`` (when given) receives the seconds spent per file (drawing,
    formatting and writing), for the benchmark. ``ticket_deltas=N`` writes the tickets as a
    base ``support/tickets.jsonl`` plus N daily delta files ``support/tickets/
    tickets-YYYYMMDD.jsonl`` (the last N days up to as-of): the same records, the same marts
    (:class:`.writers.DeltaFilesWriter`); the count stays under ``support/tickets.jsonl``.
    """
    if accounts < 0:
        raise ValueError("accounts must be >= 0")
    out = Path(out)
    spent = timings if timings is not None else {}
    writers: dict[str, ExtractWriter | DeltaFilesWriter] = {
        e.file: DeltaFilesWriter(out, e, style_for(e.file, shift_jis), ticket_deltas, as_of)
        if ticket_deltas and e.delta_folder is not None
        else ExtractWriter(out, e, style_for(e.file, shift_jis))
        for e in EXTRACTS
    }

    def emit(file: str, produce: Callable[[], object]) -> object:
        """Run one producer, write what it returns for ``file``, pass on its extra result."""
        t0 = time.perf_counter()
        result = produce()
        records, extra = result if isinstance(result, tuple) else (result, None)
        if isinstance(records, dict):
            writers[file].write_columns(records)
        else:
            writers[file].write_lines(records)
        spent[file] = spent.get(file, 0.0) + time.perf_counter() - t0
        return extra

    try:
        for file, rows in planted_records(as_of).items():
            _write_planted(writers[file], rows)
        releases = cat.product_releases(as_of)
        user_cols, users_by_region = _users(seed, accounts)
        run = _Run(seed=seed, n_accounts=accounts, as_of=as_of, releases=releases,
                   user_ids=user_cols["Id"], users_by_region=users_by_region)
        emit("crm/User.csv", lambda: user_cols)
        emit("finance/fx_rates.csv", lambda: _fx_rates(as_of))
        emit("licenses/product_releases.csv", lambda: _product_releases(releases))
        for chunk, start in enumerate(range(0, accounts, CHUNK_ACCOUNTS)):
            gi = np.arange(start, min(start + CHUNK_ACCOUNTS, accounts), dtype=np.int64)
            _write_chunk(run, chunk, gi, emit)
    finally:
        for w in writers.values():
            w.close()
    return {e.file: writers[e.file].rows for e in EXTRACTS}
