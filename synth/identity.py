"""Who publishes the synthetic reports: one fictional district and its agencies.

Agencies get a stable size profile (a district government office receives far more
applications than a sub-district office), and the carry-over of applications is a
pure function of (agency, year), so a corpus generated for several years of one
agency also satisfies the cross-year rule 上年结转(N) = 结转下年度(N-1).
"""

from __future__ import annotations

import random
import zlib

CITY = "江州市"
DISTRICT = "云溪区"

AGENCIES: tuple[str, ...] = (
    "区人民政府办公室",
    "区发展和改革局",
    "区教育局",
    "区科学技术局",
    "区民政局",
    "区司法局",
    "区财政局",
    "区人力资源和社会保障局",
    "区住房和城乡建设局",
    "区交通运输局",
    "区农业农村局",
    "区商务局",
    "区文化和旅游局",
    "区卫生健康局",
    "区退役军人事务局",
    "区应急管理局",
    "区审计局",
    "区市场监督管理局",
    "区统计局",
    "区医疗保障局",
    "区城市管理局",
    "东湖街道办事处",
    "南苑街道办事处",
    "清河街道办事处",
)

# Agencies whose volume differs from the hash-drawn default.
_PROFILES: dict[str, str] = {
    "区人民政府办公室": "large",
    "区住房和城乡建设局": "large",
    "区市场监督管理局": "medium",
    "区人力资源和社会保障局": "medium",
    "区教育局": "medium",
    "区统计局": "tiny",
    "区审计局": "tiny",
    "区退役军人事务局": "tiny",
}

# Mean of new applications from natural persons, per profile.
PROFILE_MEAN: dict[str, float] = {"tiny": 1.0, "small": 6.0, "medium": 40.0, "large": 900.0}

_PLACE_SYLLABLES = "东西南北清明长安平和新兴文华金银青石桥湖山河柳溪云梅竹兰松"
_EXTRA_SUFFIXES = ("街道办事处", "镇人民政府")


def stable_rng(*parts: object) -> random.Random:
    """A Random seeded by a stable hash of ``parts`` (never Python's salted hash)."""
    key = "|".join(str(p) for p in parts).encode("utf-8")
    return random.Random(zlib.crc32(key))


def agency_pool(n: int) -> list[str]:
    """``n`` distinct agency names: the district's bureaus, then invented towns."""
    places = len(_PLACE_SYLLABLES) * (len(_PLACE_SYLLABLES) - 1)
    limit = len(AGENCIES) + places  # half the invented names: drawing them stays quick
    if n > limit:
        raise ValueError(f"at most {limit} agencies, not {n}")
    names = list(AGENCIES[:n])
    rng = stable_rng("pool")
    seen = set(names)
    while len(names) < n:
        place = rng.choice(_PLACE_SYLLABLES) + rng.choice(_PLACE_SYLLABLES)
        name = place + rng.choice(_EXTRA_SUFFIXES)
        if name not in seen and place[0] != place[1]:
            seen.add(name)
            names.append(name)
    return names


def profile(agency: str) -> str:
    """The volume profile of an agency: ``tiny``, ``small``, ``medium`` or ``large``."""
    if agency in _PROFILES:
        return _PROFILES[agency]
    if agency.endswith(("街道办事处", "镇人民政府")):
        return "small"
    return stable_rng("profile", agency).choice(("tiny", "small", "small", "medium"))


def carried_forward(agency: str, year: int) -> list[int]:
    """Applications of the six applicant kinds carried into ``year + 1``."""
    rng = stable_rng("carry", agency, year)
    mean = PROFILE_MEAN[profile(agency)] * 0.06
    natural = int(rng.expovariate(1 / mean)) if rng.random() < 0.7 else 0
    commercial = int(rng.expovariate(1 / (mean * 0.2 + 0.05)))
    legal = int(rng.expovariate(1 / (mean * 0.05 + 0.02)))
    return [natural, commercial, 0, 0, legal, 0]


def template_for_year(year: int) -> str:
    """The official template a report of ``year`` follows by default."""
    return "2019" if year <= 2020 else "2021"
