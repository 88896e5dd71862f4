"""The prose around the tables: opening, sections 一 to 六, signature and date.

Extraction has to find agency and statistics year in the opening lines, skip
numbers in prose, and not mistake the publication date (the following year) or a
mention of next year's plans for the statistics year.  The text here gives it
all of those, in a few phrasings drawn from the seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .identity import CITY, DISTRICT
from .labels import CN_NUMERALS
from .model import Text
from .numbers import Numbers
from .style import Style


@dataclass(frozen=True, slots=True)
class Narrative:
    """Narrative parts placed before, between and after the tables."""

    opening: list[Text]
    overview: list[Text]
    closing: list[Text]


def _period(year: int) -> str:
    return f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"


def _sub(style: Style, n: int, text: str) -> str:
    num = CN_NUMERALS[n - 1]
    return f"({num}){text}" if style.paren_half else f"（{num}）{text}"


def _opening(rng: random.Random, style: Style, agency: str, year: int) -> list[Text]:
    phone = f"0571-8{rng.randint(1000000, 9999999)}"
    intro = (
        f"本报告由{agency}根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和"
        f"《中华人民共和国政府信息公开工作年度报告格式》要求编制。{_period(year)}"
        f"如对本报告有疑问，请与{agency}联系（电话：{phone}）。"
    )
    if style.opening == "title":
        return [Text("title", f"{agency}{year}年度政府信息公开工作年度报告"), Text("para", intro)]
    if style.opening == "title2":
        gap = rng.choice(("", " "))
        return [
            Text("title", agency),
            Text("title", f"{year}{gap}年政府信息公开工作年度报告"),
            Text("para", intro),
        ]
    seed_style = (
        f"{year}年,{agency}严格按照《{CITY}{DISTRICT}人民政府办公室关于印发{year}年{DISTRICT}"
        "政务公开工作要点的通知》文件要求,坚持“公开为常态、不公开为例外”,扎实做好政府信息"
        f"公开工作。现将相关情况报告如下。{_period(year)}"
    )
    return [Text("para", seed_style)]


def _applications_sentence(year: int, nums: Numbers) -> str:
    apps = nums.apps
    new, carried = apps["new_received"][6], apps["carried_over"][6]
    if new == 0 and carried == 0:
        return f"{year}年，未收到政府信息公开申请。"
    return (
        f"{year}年，共收到政府信息公开申请{new}件，上年结转{carried}件，"
        f"办结{apps['total'][6]}件，结转下年度继续办理{apps['carried_forward'][6]}件，"
        "均在法定期限内答复。"
    )


def _reviews_sentence(nums: Numbers) -> str:
    review = nums.reviews["review"][4]
    litigation = nums.reviews["litigation_direct"][4] + nums.reviews["litigation_after_review"][4]
    if review == 0 and litigation == 0:
        return "全年未发生政府信息公开行政复议、行政诉讼案件。"
    return f"全年发生政府信息公开行政复议{review}件、行政诉讼{litigation}件。"


def _overview(rng: random.Random, style: Style, year: int, nums: Numbers) -> list[Text]:
    published = rng.randint(20, 2500)
    accounts = rng.randint(1, 6)
    trainings = rng.randint(1, 8)
    lead = rng.choice(
        (
            f"{year}年，我单位坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《条例》，"
            "围绕中心工作，持续深化政务公开，不断提升政府信息公开质量和实效。",
            f"{year}年，在区委、区政府的统一部署下，我单位严格落实政府信息公开各项制度，"
            "切实保障人民群众的知情权、参与权、表达权和监督权。",
        )
    )
    paras = [
        f"{_sub(style, 1, '主动公开情况')}。全年通过政府门户网站主动公开政府信息{published}条，"
        "涵盖政策文件、通知公告、工作动态等内容，及时回应社会关切。",
        f"{_sub(style, 2, '依申请公开情况')}。进一步规范依申请公开受理、审查、答复流程。"
        + _applications_sentence(year, nums)
        + _reviews_sentence(nums),
        f"{_sub(style, 3, '政府信息管理情况')}。严格执行“先审后发”制度，落实保密审查，"
        "定期清理过期信息，确保公开内容准确规范。",
        f"{_sub(style, 4, '政府信息公开平台建设情况')}。加强政府网站专栏建设，运维政务新媒体账号"
        f"{accounts}个，拓宽信息发布渠道。",
        f"{_sub(style, 5, '政府信息公开监督保障情况')}。明确分管领导和专人负责，全年组织业务培训"
        f"{trainings}次，将政务公开纳入年度考核。",
    ]
    return [Text("heading", "一、总体情况"), Text("para", lead), *(Text("para", p) for p in paras)]


def _closing(rng: random.Random, agency: str, year: int) -> list[Text]:
    problems = rng.choice(
        (
            f"{year}年，我单位政府信息公开工作取得了一定成效，但仍存在一些不足：政策解读形式还不够丰富，"
            "部分科室主动公开意识有待加强，依申请公开答复的规范性还需提高。",
            "对照上级要求和群众期盼，我单位政府信息公开工作仍有差距，主要是公开内容的深度和广度不够，"
            "工作人员业务能力有待提升。",
        )
    )
    plans = (
        f"下一步，{year + 1}年我单位将着力加强政策解读，优化公开平台，定期开展业务培训，"
        "全面提升政府信息公开工作水平。"
    )
    other = rng.choice(
        (
            "无。",
            f"{year}年，本机关未收取政府信息公开信息处理费。",
            f"依据《政府信息公开信息处理费管理办法》，{year}年全年收取信息处理费0元。",
        )
    )
    month = rng.choice((1, 1, 1, 2, 3))
    day = rng.randint(5, 28)
    return [
        Text("heading", "五、存在的主要问题及改进情况"),
        Text("para", problems),
        Text("para", plans),
        Text("heading", "六、其他需要报告的事项"),
        Text("para", other),
        Text("sign", agency),
        Text("sign", f"{year + 1}年{month}月{day}日"),
    ]


def narrative(rng: random.Random, style: Style, agency: str, year: int, nums: Numbers) -> Narrative:
    """Draw the prose of one report."""
    return Narrative(
        _opening(rng, style, agency, year),
        _overview(rng, style, year, nums),
        _closing(rng, agency, year),
    )
