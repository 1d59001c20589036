"""The demo world of Xuncha as plain data: Shiyan's urban-management bureau,
its seven special campaigns (专项整治) for 2026, sites around the city centre and
one account per role.

Pure data on purpose: the loader (`xuncha demo`), the tests and the docs read it
without a database, and nothing here may import from the rest of `server`.
Codes and usernames are stable: other code, the contract and people's bookmarks
rely on them, so rename texts freely but never a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# --- vocabularies: code -> (zh, en) -------------------------------------------

SEVERITIES: dict[str, tuple[str, str]] = {
    "minor": ("一般", "minor"),
    "major": ("较重", "major"),
    "critical": ("严重", "critical"),
}

CATEGORIES: dict[str, tuple[str, str]] = {
    "environment": ("市容环境", "city appearance and environment"),
    "construction": ("建筑工地", "construction sites"),
    "public-space": ("公共空间", "public spaces"),
    "facilities": ("市政设施", "municipal facilities"),
    "greenery": ("园林绿化", "landscaping and greenery"),
    "conduct": ("执法作风", "enforcement conduct"),
}

ROLES: dict[str, tuple[str, str]] = {
    "officer": ("巡查队员", "patrol officer"),
    "lead": ("专项牵头领导", "campaign lead"),
    "supervisor": ("第三方监督员", "third-party supervisor"),
    "handler": ("责任单位", "responsible unit"),
    "office": ("履职督查办", "supervision office"),
}

UNIT_KINDS: dict[str, tuple[str, str]] = {
    "bureau": ("市局", "bureau"),
    "office": ("直属处室", "office"),
    "district": ("区城管执法局", "district bureau"),
    "department": ("内设科室", "department"),
    "third_party": ("第三方机构", "third-party organisation"),
    "supervision": ("履职督查办", "supervision office"),
}

SITE_KINDS: dict[str, tuple[str, str]] = {
    "road": ("道路", "road"),
    "square": ("广场", "square"),
    "park": ("公园游园", "park"),
    "construction_site": ("建筑工地", "construction site"),
    "market": ("农贸市场", "market"),
    "commercial_area": ("商圈", "commercial area"),
    "residential": ("居民小区", "residential area"),
    "transfer_station": ("垃圾转运站", "waste transfer station"),
    "disposal_site": ("渣土消纳场", "muck disposal site"),
    "bridge": ("桥梁", "bridge"),
    "school_area": ("校园周边", "school surroundings"),
}


# --- records --------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    code: str
    name_zh: str
    name_en: str
    kind: str  # a key of UNIT_KINDS
    parent: str | None  # unit code; None for the bureau and for outside organisations


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    text_zh: str
    text_en: str
    severity: str  # the default a recorder starts from; a key of SEVERITIES


@dataclass(frozen=True)
class Campaign:
    code: str
    name_zh: str
    name_en: str
    category: str  # a key of CATEGORIES
    lead: str  # username
    responsible_unit: str  # unit code
    measures_zh: str
    measures_en: str
    starts_on: date
    ends_on: date
    items: tuple[ChecklistItem, ...]


@dataclass(frozen=True)
class Site:
    code: str
    name_zh: str
    name_en: str
    kind: str  # a key of SITE_KINDS
    lat: float  # WGS-84
    lon: float  # WGS-84
    unit: str  # unit code


@dataclass(frozen=True)
class User:
    username: str
    role: str  # a key of ROLES
    unit: str  # unit code
    name_zh: str
    name_en: str


# --- units --------------------------------------------------------------------------

UNITS: tuple[Unit, ...] = (
    Unit(
        "bureau",
        "十堰市城市管理综合执法局",
        "Shiyan Urban Management and Comprehensive Law Enforcement Bureau",
        "bureau",
        None,
    ),
    Unit("duty-office", "履职督查办", "Duty Performance Supervision Office", "supervision", "bureau"),
    Unit(
        "maojian",
        "茅箭区城管执法局",
        "Maojian District Urban Management Enforcement Bureau",
        "district",
        "bureau",
    ),
    Unit(
        "zhangwan",
        "张湾区城管执法局",
        "Zhangwan District Urban Management Enforcement Bureau",
        "district",
        "bureau",
    ),
    Unit(
        "etdz",
        "十堰经济技术开发区城管执法局",
        "Shiyan Economic and Technological Development Zone Urban Management Enforcement Bureau",
        "district",
        "bureau",
    ),
    Unit(
        "sanitation-office", "市环境卫生管理处", "Municipal Sanitation Management Office", "office", "bureau"
    ),
    Unit(
        "muck-office", "渣土管理办公室", "Construction Waste and Muck Management Office", "office", "bureau"
    ),
    Unit(
        "dust-office", "建筑工地扬尘治理办公室", "Construction Site Dust Control Office", "office", "bureau"
    ),
    Unit(
        "parks-office",
        "市游园广场管理处",
        "Municipal Parks and Squares Management Office",
        "office",
        "bureau",
    ),
    Unit("lighting-office", "市路灯管理处", "Municipal Street Lighting Office", "office", "bureau"),
    Unit(
        "landscape-office",
        "市园林绿化管理处",
        "Municipal Landscaping and Greening Office",
        "office",
        "bureau",
    ),
    Unit(
        "conduct-dept", "法制督察科", "Legal Affairs and Conduct Inspection Section", "department", "bureau"
    ),
    # Fictional company: a demo must not name a real firm as the bureau's evaluator.
    Unit(
        "chufeng-eval",
        "楚风第三方评估有限公司",
        "Chufeng Third-Party Evaluation Co., Ltd.",
        "third_party",
        None,
    ),
)


# --- campaigns ------------------------------------------------------------------

_YEAR_START = date(2026, 1, 1)
_YEAR_END = date(2026, 12, 31)


def _items(prefix: str, rows: tuple[tuple[str, str, str], ...]) -> tuple[ChecklistItem, ...]:
    return tuple(
        ChecklistItem(f"{prefix}-{n:02d}", text_zh, text_en, severity)
        for n, (text_zh, text_en, severity) in enumerate(rows, start=1)
    )


CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign(
        code="sanitation",
        name_zh="环境卫生",
        name_en="street sanitation",
        category="environment",
        lead="lead",
        responsible_unit="sanitation-office",
        measures_zh=(
            "1. 定人、定岗、定责，主次干道实行“以克论净”网格化保洁，责任到段、到人。\n"
            "2. 巡查队员每日巡查，发现问题即时拍照上报，责任单位2小时内响应。\n"
            "3. 一般问题当日整改，较重问题限期3日内整改，逾期未改的约谈责任单位负责人。\n"
            "4. 每月通报各单位处置率、按期处置率，排名后两位的单位在全局会议上作表态发言。"
        ),
        measures_en=(
            "1. Fixed staff, fixed posts, fixed responsibilities: main and secondary roads are cleaned on"
            " a grid measured by the gram of dust, each stretch assigned to a named person.\n"
            "2. Patrol officers inspect daily and report problems with photos at once; the responsible"
            " unit responds within 2 hours.\n"
            "3. Minor problems are fixed the same day, major ones within 3 days; the head of a unit that"
            " misses the deadline is summoned for a formal talk.\n"
            "4. Handling and on-time rates are published monthly; the two lowest-ranked units report to"
            " the bureau meeting."
        ),
        starts_on=_YEAR_START,
        ends_on=_YEAR_END,
        items=_items(
            "san",
            (
                ("垃圾桶满溢，未及时清运", "Litter bins overflowing and not emptied in time", "major"),
                (
                    "路面有散落垃圾、烟头、纸屑",
                    "Litter, cigarette ends or paper scattered on the road",
                    "minor",
                ),
                (
                    "边沟、雨水口淤积，未清掏",
                    "Gutters or storm drains silted up and not cleaned out",
                    "major",
                ),
                (
                    "卫生死角堆积垃圾、暴露垃圾",
                    "Garbage piled up or left exposed in neglected corners",
                    "major",
                ),
                (
                    "公厕保洁不到位，有异味或设施损坏",
                    "Public toilet not kept clean, smelling, or with broken fixtures",
                    "major",
                ),
                (
                    "主次干道未按规定时间冲洗、洒水",
                    "Main or secondary road not washed or sprinkled at the scheduled time",
                    "minor",
                ),
                (
                    "沿街商户“门前三包”责任未落实",
                    "Shopfront 'three guarantees' duties (clean, green, orderly) not kept by the shop",
                    "minor",
                ),
                ("垃圾清运车辆跑冒滴漏", "Refuse truck leaking or spilling on the road", "major"),
            ),
        ),
    ),
    Campaign(
        code="muck",
        name_zh="渣土管理",
        name_en="construction waste and muck hauling",
        category="construction",
        lead="lead-muck",
        responsible_unit="muck-office",
        measures_zh=(
            "1. 渣土运输实行准运证制度，车辆全密闭、装北斗定位，按核准路线和时段运输。\n"
            "2. 渣土办会同交警、各区局开展夜间联合巡查，源头工地、运输路线、消纳场三端同查。\n"
            "3. 对沿途抛洒、乱倒乱卸的车辆依法查处并暂停准运资格，责任工地限期整改。\n"
            "4. 屡查屡犯的运输企业列入黑名单，并向住建部门通报。"
        ),
        measures_en=(
            "1. Muck haulage needs a transport permit; trucks are fully enclosed, carry BeiDou tracking"
            " and keep to the approved route and hours.\n"
            "2. The muck office runs joint night patrols with the traffic police and the district"
            " bureaus, checking the source site, the route and the disposal site together.\n"
            "3. Trucks spilling or dumping illegally are penalised and lose their permit for a period;"
            " the source site is given a deadline to rectify.\n"
            "4. Haulage companies that offend repeatedly are blacklisted and reported to the housing and"
            " construction authority."
        ),
        starts_on=_YEAR_START,
        ends_on=_YEAR_END,
        items=_items(
            "muck",
            (
                ("渣土运输车辆未密闭、未覆盖", "Muck truck not sealed or not covered", "major"),
                ("运输途中抛洒、滴漏渣土", "Muck spilled or dripping along the route", "major"),
                ("乱倒乱卸建筑垃圾", "Construction waste dumped illegally", "critical"),
                ("出场车辆带泥上路，污染路面", "Vehicles leaving the site track mud onto the road", "major"),
                (
                    "未按核准路线、时间运输",
                    "Haulage off the approved route or outside the approved hours",
                    "major",
                ),
                ("工地出入口未设置车辆冲洗设施", "No vehicle wash facility at the site exit", "major"),
                (
                    "运输车辆无准运证，或号牌污损、遮挡",
                    "Truck without a haulage permit, or with a dirty or covered number plate",
                    "major",
                ),
                (
                    "消纳场未按规定登记、摊铺、覆盖",
                    "Disposal site not logging, spreading and covering loads as required",
                    "minor",
                ),
            ),
        ),
    ),
    Campaign(
        code="dust",
        name_zh="建筑施工扬尘和围挡治理",
        name_en="construction dust and site hoarding",
        category="construction",
        lead="lead-dust",
        responsible_unit="dust-office",
        measures_zh=(
            "1. 严格落实“六个百分之百”：工地周边围挡、物料堆放覆盖、出入车辆冲洗、施工现场路面硬化、"
            "拆迁工地湿法作业、渣土车辆密闭运输。\n"
            "2. 每个在建工地明确一名扬尘治理责任人，在围挡醒目位置公示。\n"
            "3. 每周至少巡查一次在建工地，重污染天气期间每日巡查。\n"
            "4. 对问题工地下达限期整改通知，逾期未改的依法处罚并约谈建设、施工单位。"
        ),
        measures_en=(
            "1. Enforce the 'six hundred-percents': hoarding all round, stockpiles covered, every vehicle"
            " washed at the exit, site roads hardened, wet methods on demolition, muck trucks enclosed.\n"
            "2. Every active site names one person responsible for dust control, posted on the hoarding.\n"
            "3. Every active site is inspected at least weekly, and daily during heavy-pollution alerts.\n"
            "4. Sites with problems get a rectification notice with a deadline; those that miss it are"
            " penalised and their developer and contractor summoned for a formal talk."
        ),
        starts_on=_YEAR_START,
        ends_on=_YEAR_END,
        items=_items(
            "dust",
            (
                (
                    "裸露土方、物料堆未覆盖防尘网",
                    "Bare soil or stockpiles not covered with dust nets",
                    "major",
                ),
                ("未按规定开启喷淋、雾炮降尘", "Sprinklers or fog cannons not running as required", "major"),
                (
                    "围挡不连续或高度不足（主干道不低于2.5米，一般路段不低于1.8米）",
                    "Hoarding not continuous or too low (at least 2.5 m on main roads, 1.8 m elsewhere)",
                    "major",
                ),
                ("场内主要道路未硬化", "Main site roads not hardened", "minor"),
                (
                    "出口未设冲洗平台，或车辆未冲洗即出场",
                    "No wash bay at the exit, or vehicles leaving unwashed",
                    "major",
                ),
                ("拆除作业未采取湿法作业", "Demolition carried out without wet methods", "critical"),
                (
                    "围挡破损、污损，或未按要求设置公益广告",
                    "Hoarding damaged or dirty, or required public-service panels missing",
                    "minor",
                ),
                (
                    "扬尘在线监测设备未安装或未正常运行",
                    "Online dust monitor not installed or not working",
                    "minor",
                ),
            ),
        ),
    ),
    Campaign(
        code="parks",
        name_zh="游园广场服务和管理",
        name_en="parks and squares",
        category="public-space",
        lead="lead",
        responsible_unit="parks-office",
        measures_zh=(
            "1. 每个游园、广场设园长，实行定人、定岗、定责的网格化管理。\n"
            "2. 每日开园前、闭园后各巡查一次，设施损坏24小时内修复或设置警示。\n"
            "3. 会同属地街道规范流动摊贩和广场舞活动，22时后音响一律关闭。\n"
            "4. 涉及安全隐患（水边护栏、电气设施）的问题立即处置，并纳入月通报。"
        ),
        measures_en=(
            "1. Every park and square has a named keeper; management runs on fixed staff, fixed posts and"
            " fixed responsibilities.\n"
            "2. Inspections before opening and after closing every day; damaged facilities are repaired"
            " or fenced off with warnings within 24 hours.\n"
            "3. With the local sub-district, mobile vendors and square dancing are regulated; all"
            " amplifiers are off after 22:00.\n"
            "4. Safety hazards (water-edge railings, electrical fittings) are dealt with at once and"
            " listed in the monthly bulletin."
        ),
        starts_on=_YEAR_START,
        ends_on=_YEAR_END,
        items=_items(
            "park",
            (
                (
                    "座椅、健身器材等设施破损未修复",
                    "Benches, fitness equipment or other facilities damaged and not repaired",
                    "major",
                ),
                ("园内有无证流动摊贩", "Unlicensed mobile vendors in the park or square", "minor"),
                ("地面、草坪有垃圾未清理", "Litter on paths or lawns not cleared", "minor"),
                ("照明灯具不亮，园路破损", "Lights out or footpaths broken", "major"),
                (
                    "水边护栏缺失，无安全警示标志",
                    "Water edge without railings or safety warning signs",
                    "critical",
                ),
                (
                    "夜间（22时后）广场舞音响噪声扰民",
                    "Square-dancing amplifiers disturbing residents at night (after 22:00)",
                    "minor",
                ),
                ("公厕、标识标牌损坏或缺失", "Toilets, signs or guide boards damaged or missing", "minor"),
            ),
        ),
    ),
    Campaign(
        code="lighting",
        name_zh="路灯亮化",
        name_en="street lighting",
        category="facilities",
        lead="lead-lighting",
        responsible_unit="lighting-office",
        measures_zh=(
            "1. 实行夜间巡灯制度，主干道每晚巡查一次，次干道每周巡查两次。\n"
            "2. 主干道亮灯率不低于98%，次干道不低于95%，单灯故障48小时内修复。\n"
            "3. 灯杆倾斜、电线裸露等安全隐患立即设置警示，24小时内排除。\n"
            "4. 亮化设施按季节时间表开关，由路灯所远程监控并每月通报。"
        ),
        measures_en=(
            "1. Night lamp patrols: main roads every night, secondary roads twice a week.\n"
            "2. At least 98% of lamps lit on main roads and 95% on secondary roads; a single failed lamp"
            " is fixed within 48 hours.\n"
            "3. Leaning poles, exposed wiring and other hazards are fenced off with warnings at once and"
            " removed within 24 hours.\n"
            "4. Decorative lighting follows the seasonal timetable, monitored remotely by the lighting"
            " office and reported monthly."
        ),
        starts_on=_YEAR_START,
        ends_on=_YEAR_END,
        items=_items(
            "lgt",
            (
                ("路灯不亮或连续灭灯", "Street lights out, or a run of consecutive dark lights", "major"),
                ("白天亮灯", "Street lights on in daytime", "minor"),
                (
                    "灯杆破损、检修门缺失或电线裸露",
                    "Pole damaged, inspection door missing or wiring exposed",
                    "critical",
                ),
                (
                    "亮化设施未按规定时间开启",
                    "Decorative lighting not switched on at the scheduled time",
                    "minor",
                ),
                ("灯杆倾斜、基础松动", "Pole leaning or its foundation loose", "critical"),
                ("灯具、灯罩损坏或缺失", "Lamp head or cover broken or missing", "major"),
                (
                    "灯杆上乱张贴、乱悬挂",
                    "Flyers or banners stuck or hung on poles without permission",
                    "minor",
                ),
            ),
        ),
    ),
    Campaign(
        code="landscape",
        name_zh="风景园林管理",
        name_en="landscaping and greenery",
        category="greenery",
        lead="lead-landscape",
        responsible_unit="landscape-office",
        measures_zh=(
            "1. 绿地养护实行分片包干，养护单位、责任人、养护标准在现场公示。\n"
            "2. 每月开展一次绿地养护质量检查，按一级、二级养护标准评分。\n"
            "3. 死树缺株在适宜季节30日内补植，遮挡交通标志、路灯的树枝7日内修剪。\n"
            "4. 侵占、毁坏绿地的行为依法查处并责令恢复原状。"
        ),
        measures_en=(
            "1. Green spaces are maintained in assigned patches; the contractor, the person responsible"
            " and the maintenance standard are posted on site.\n"
            "2. Maintenance quality is inspected monthly and scored against the grade-1 and grade-2"
            " standards.\n"
            "3. Dead or missing trees are replanted within 30 days in the planting season; branches"
            " blocking traffic signs or street lights are pruned within 7 days.\n"
            "4. Occupying or destroying green space is penalised and the land ordered restored."
        ),
        starts_on=_YEAR_START,
        ends_on=_YEAR_END,
        items=_items(
            "lsc",
            (
                ("行道树死亡、缺株未补植", "Dead or missing street trees not replaced", "major"),
                (
                    "绿化带破损、被踩踏或黄土裸露",
                    "Green belt damaged, trampled or left as bare soil",
                    "minor",
                ),
                (
                    "树枝未修剪，遮挡交通标志或路灯",
                    "Unpruned branches blocking traffic signs or street lights",
                    "major",
                ),
                ("绿地杂草丛生", "Weeds overgrowing the green space", "minor"),
                (
                    "侵占、毁坏绿地（堆物、停车、种菜）",
                    "Green space occupied or destroyed (stored materials, parking, vegetable plots)",
                    "major",
                ),
                ("病虫害未及时防治", "Pests or plant diseases not treated in time", "major"),
                (
                    "修剪枝叶等绿化垃圾未及时清运",
                    "Pruned branches and other garden waste not cleared in time",
                    "minor",
                ),
            ),
        ),
    ),
    Campaign(
        code="conduct",
        name_zh="城管文明执法",
        name_en="civilized enforcement conduct",
        category="conduct",
        lead="lead-conduct",
        responsible_unit="conduct-dept",
        measures_zh=(
            "1. 执法全过程记录：执法记录仪随身佩戴、全程开启，音像资料当日上传归档。\n"
            "2. 推行“721”工作法，七分服务、两分管理、一分执法，先教育劝导后依法处罚。\n"
            "3. 法制督察科会同第三方开展明察暗访，每月抽查执法文书和音像记录。\n"
            "4. 对粗暴执法、不文明用语等问题依规追责，并在全局通报。"
        ),
        measures_en=(
            "1. Whole-process recording: body-worn recorders are worn and switched on throughout, and"
            " footage is uploaded and archived the same day.\n"
            "2. The '7-2-1' method: seven parts service, two parts management, one part enforcement;"
            " persuade and educate before penalising.\n"
            "3. The legal and conduct section and the third-party evaluator make open and unannounced"
            " checks and sample enforcement documents and footage every month.\n"
            "4. Rough enforcement and uncivil language are disciplined under the rules and announced"
            " bureau-wide."
        ),
        starts_on=_YEAR_START,
        ends_on=_YEAR_END,
        items=_items(
            "cdt",
            (
                (
                    "未按规定着装，未佩戴执法证件",
                    "Not in regulation uniform, or enforcement ID not displayed",
                    "major",
                ),
                (
                    "未开启执法记录仪全过程记录",
                    "Body-worn recorder not switched on for the whole action",
                    "critical",
                ),
                (
                    "执法程序不规范（未表明身份、未告知权利、未听取陈述申辩）",
                    "Procedure not followed (identity not shown, rights not explained, statements not heard)",
                    "major",
                ),
                ("执法用语不文明", "Uncivil language during enforcement", "major"),
                ("存在粗暴执法、随意扣押物品", "Rough enforcement or arbitrary seizure of goods", "critical"),
                (
                    "执法文书不全或填写不规范",
                    "Enforcement documents incomplete or filled in incorrectly",
                    "minor",
                ),
                (
                    "执法车辆未规范停放或公车私用",
                    "Enforcement vehicle parked improperly or used privately",
                    "minor",
                ),
            ),
        ),
    ),
)


# --- sites ----------------------------------------------------------------------
# Real place names of central Shiyan; the coordinates are plausible WGS-84 points
# placed by hand near those places, not surveyed. The development-zone and
# Zhangwan sites sit west of the Maojian centre, as the districts do.

SITES: tuple[Site, ...] = (
    # roads
    Site("renmin-n-rd", "人民北路", "Renmin North Road", "road", 32.646512, 110.786842, "maojian"),
    Site("renmin-s-rd", "人民南路", "Renmin South Road", "road", 32.620487, 110.792563, "maojian"),
    Site("beijing-n-rd", "北京北路", "Beijing North Road", "road", 32.642046, 110.804517, "lighting-office"),
    Site("beijing-s-rd", "北京南路", "Beijing South Road", "road", 32.618034, 110.811952, "lighting-office"),
    Site("dongfeng-ave", "东风大道", "Dongfeng Avenue", "road", 32.653018, 110.756047, "zhangwan"),
    Site("checheng-rd", "车城路", "Checheng Road", "road", 32.639521, 110.769984, "lighting-office"),
    Site("zhejiang-rd", "浙江路", "Zhejiang Road", "road", 32.648963, 110.776125, "zhangwan"),
    Site("chaoyang-rd", "朝阳路", "Chaoyang Road", "road", 32.644037, 110.793018, "sanitation-office"),
    Site("hanjiang-rd", "汉江路", "Hanjiang Road", "road", 32.654126, 110.767340, "zhangwan"),
    Site("gongyuan-rd", "公园路", "Gongyuan Road", "road", 32.638054, 110.781549, "sanitation-office"),
    Site("fazhan-ave", "发展大道", "Fazhan Avenue", "road", 32.605217, 110.735086, "etdz"),
    # commercial areas, schools, housing
    Site(
        "wuyan-mall",
        "五堰商场周边",
        "Around Wuyan Shopping Mall",
        "commercial_area",
        32.640132,
        110.785490,
        "maojian",
    ),
    Site(
        "sanyan", "三堰商圈", "Sanyan shopping district", "commercial_area", 32.634518, 110.788021, "maojian"
    ),
    Site(
        "liuyan",
        "六堰转盘周边",
        "Around the Liuyan roundabout",
        "commercial_area",
        32.629967,
        110.796044,
        "maojian",
    ),
    Site(
        "no1-school",
        "市一中周边",
        "Around Shiyan No. 1 Middle School",
        "school_area",
        32.641015,
        110.792108,
        "maojian",
    ),
    Site(
        "wudang-rd-community",
        "武当路社区",
        "Wudang Road community",
        "residential",
        32.635962,
        110.791835,
        "maojian",
    ),
    # parks and squares
    Site("renmin-park", "人民公园", "People's Park", "park", 32.637526, 110.779043, "parks-office"),
    Site(
        "sifangshan-park", "四方山公园", "Sifangshan Park", "park", 32.624913, 110.800127, "landscape-office"
    ),
    Site(
        "station-square",
        "火车站广场",
        "Railway Station Square",
        "square",
        32.619046,
        110.795528,
        "parks-office",
    ),
    Site(
        "liulingou-park", "柳林沟游园", "Liulingou pocket park", "park", 32.660071, 110.788036, "parks-office"
    ),
    Site(
        "citizen-square",
        "市民中心广场",
        "Citizen Centre Square",
        "square",
        32.612045,
        110.815012,
        "parks-office",
    ),
    Site(
        "baierhe-greenway",
        "百二河生态游园",
        "Baierhe riverside greenway",
        "park",
        32.642188,
        110.776452,
        "landscape-office",
    ),
    Site("dongfeng-square", "东风广场", "Dongfeng Square", "square", 32.655513, 110.762017, "parks-office"),
    # construction sites
    Site(
        "site-beijing-n-housing",
        "北京北路安置房项目工地",
        "Beijing North Road resettlement housing site",
        "construction_site",
        32.648027,
        110.808043,
        "dust-office",
    ),
    Site(
        "site-checheng-w-mall",
        "车城西路商业综合体工地",
        "Checheng West Road mixed-use development site",
        "construction_site",
        32.642014,
        110.758031,
        "dust-office",
    ),
    Site(
        "site-etdz-plant",
        "开发区发展大道厂房项目工地",
        "Fazhan Avenue factory building site, development zone",
        "construction_site",
        32.602098,
        110.732015,
        "etdz",
    ),
    Site(
        "site-liuyan-renewal",
        "六堰片区旧城改造拆除工地",
        "Liuyan old-town renewal demolition site",
        "construction_site",
        32.627956,
        110.798973,
        "dust-office",
    ),
    Site(
        "site-zhejiang-pipes",
        "浙江路管网改造工地",
        "Zhejiang Road pipe-network renewal works",
        "construction_site",
        32.650019,
        110.773992,
        "zhangwan",
    ),
    # markets, waste and muck
    Site(
        "sanyan-market", "三堰农贸市场", "Sanyan farmers' market", "market", 32.633541, 110.786037, "maojian"
    ),
    Site(
        "hongwei-market",
        "红卫农贸市场",
        "Hongwei farmers' market",
        "market",
        32.662013,
        110.748046,
        "zhangwan",
    ),
    Site(
        "liulin-transfer",
        "柳林垃圾转运站",
        "Liulin waste transfer station",
        "transfer_station",
        32.657025,
        110.792031,
        "sanitation-office",
    ),
    Site(
        "east-muck-disposal",
        "城东建筑垃圾消纳场",
        "East city construction waste disposal site",
        "disposal_site",
        32.608043,
        110.842016,
        "muck-office",
    ),
    Site(
        "jianghe-bridge",
        "犟河大桥",
        "Jianghe River Bridge",
        "bridge",
        32.648039,
        110.742025,
        "lighting-office",
    ),
)


# --- accounts -------------------------------------------------------------------
# One account per role under the contract's usernames, plus a lead for each
# campaign `lead` does not lead and a handler for each other responsible unit.
# Leads are bureau leaders, so they belong to the bureau itself.

USERS: tuple[User, ...] = (
    User("officer", "officer", "maojian", "张伟", "Zhang Wei"),
    User("officer2", "officer", "zhangwan", "刘建军", "Liu Jianjun"),
    User("lead", "lead", "bureau", "王志强", "Wang Zhiqiang"),
    User("lead-muck", "lead", "bureau", "陈国平", "Chen Guoping"),
    User("lead-dust", "lead", "bureau", "杨海峰", "Yang Haifeng"),
    User("lead-lighting", "lead", "bureau", "赵明华", "Zhao Minghua"),
    User("lead-landscape", "lead", "bureau", "黄玉兰", "Huang Yulan"),
    User("lead-conduct", "lead", "bureau", "吴永胜", "Wu Yongsheng"),
    User("supervisor", "supervisor", "chufeng-eval", "李文静", "Li Wenjing"),
    User("handler", "handler", "sanitation-office", "周海燕", "Zhou Haiyan"),
    User("handler-muck", "handler", "muck-office", "徐建华", "Xu Jianhua"),
    User("handler-dust", "handler", "dust-office", "孙德平", "Sun Deping"),
    User("handler-parks", "handler", "parks-office", "胡晓梅", "Hu Xiaomei"),
    User("handler-lighting", "handler", "lighting-office", "朱永刚", "Zhu Yonggang"),
    User("handler-landscape", "handler", "landscape-office", "郭春燕", "Guo Chunyan"),
    User("handler-conduct", "handler", "conduct-dept", "何志勇", "He Zhiyong"),
    User("office", "office", "duty-office", "马丽华", "Ma Lihua"),
)


# --- the year's dated duties ---------------------------------------------------


@dataclass(frozen=True)
class Duty:
    """A dated duty of the plan, seeded for the current year: due by the end of month/day."""

    code: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    month: int
    day: int
    units: tuple[str, ...]  # unit codes; empty: every assessed unit


DUTIES: tuple[Duty, ...] = (
    Duty(
        "work-plan",
        "年度履职尽责工作计划",
        "The year's work plan for duty performance",
        "各责任单位制定本单位年度履职尽责工作计划，6月18日前报履职督查办。",
        "Each responsible unit draws up its work plan for the year and sends it to the office by 18 June.",
        6,
        18,
        (),
    ),
    Duty(
        "self-report",
        "履职尽责书面自查报告",
        "Written self-inspection report",
        "各责任单位对照年度工作计划开展自查，11月中旬（15日前）报送书面自查报告。",
        "Each unit checks its year against its work plan and sends a written self-report by mid-November (15 November).",
        11,
        15,
        (),
    ),
    Duty(
        "bureau-report",
        "全局履职尽责督查工作年度报告",
        "The bureau's annual report on duty-performance supervision",
        "履职督查办以年度通报为底稿，12月5日前形成全局年度报告。",
        "The supervision office drafts the bureau's report from the annual bulletin, by 5 December.",
        12,
        5,
        ("duty-office",),
    ),
)


# --- lookups --------------------------------------------------------------------

UNITS_BY_CODE: dict[str, Unit] = {unit.code: unit for unit in UNITS}
CAMPAIGNS_BY_CODE: dict[str, Campaign] = {campaign.code: campaign for campaign in CAMPAIGNS}
SITES_BY_CODE: dict[str, Site] = {site.code: site for site in SITES}
USERS_BY_USERNAME: dict[str, User] = {user.username: user for user in USERS}


def campaigns_led_by(username: str) -> tuple[Campaign, ...]:
    return tuple(campaign for campaign in CAMPAIGNS if campaign.lead == username)
