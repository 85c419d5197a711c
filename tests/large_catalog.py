"""A catalog of real size for tests and benchmarks: 124+ credentials and 433+ courses.

:func:`large_catalog` returns a mapping in the format of ``data/catalog.yml`` (the same
institution and policies), with realistic, varied credential names and aliases from many
departments, both levels, ``choose`` groups, consent-required courses, courses shared between
credentials of a department, and ``stacks_into`` programs. It is deterministic: the same
arguments always give the same catalog (a fixed random seed).

    >>> raw = large_catalog()
    >>> catalog = parse_catalog(raw)   # validates like any catalog file
"""
from __future__ import annotations

import random
from typing import Any, Dict, List, Tuple

SEED = 12

# Departments: subject code, the subject its programs are named after, its bachelor's and
# master's degree.
DEPARTMENTS: Dict[str, Tuple[str, str, str]] = {
    "MGT": ("Management", "Bachelor of Business Administration", "Master of Business Administration"),
    "SCM": ("Supply Chain Management", "Bachelor of Science in Supply Chain Management", "Master of Science in Supply Chain Management"),
    "MKT": ("Marketing", "Bachelor of Science in Marketing", "Master of Business Administration"),
    "ACC": ("Accounting", "Bachelor of Science in Accounting", "Master of Accountancy"),
    "FIN": ("Finance", "Bachelor of Science in Finance", "Master of Science in Finance"),
    "ECO": ("Economics", "Bachelor of Arts in Economics", "Master of Arts in Economics"),
    "INF": ("Informatics", "Bachelor of Science in Informatics", "Master of Science in Informatics"),
    "CSC": ("Computer Science", "Bachelor of Science in Computer Science", "Master of Science in Computer Science"),
    "CIT": ("Cybersecurity", "Bachelor of Science in Cybersecurity", "Master of Science in Cybersecurity"),
    "DSC": ("Data Science", "Bachelor of Science in Data Science", "Master of Science in Data Science"),
    "NRS": ("Nursing", "Bachelor of Science in Nursing", "Master of Science in Nursing"),
    "HSC": ("Health Sciences", "Bachelor of Science in Health Sciences", "Master of Health Administration"),
    "PHE": ("Public Health", "Bachelor of Science in Public Health", "Master of Public Health"),
    "PSY": ("Psychology", "Bachelor of Arts in Psychology", "Master of Science in Applied Psychology"),
    "EDU": ("Education", "Bachelor of Arts in Education", "Master of Arts in Teaching"),
    "PAD": ("Public Administration", "Bachelor of Arts in Public Service", "Master of Public Administration"),
    "COM": ("Communication", "Bachelor of Arts in Communication", "Master of Arts in Communication"),
    "JOU": ("Journalism", "Bachelor of Arts in Journalism", "Master of Arts in Journalism"),
    "ART": ("Visual Arts", "Bachelor of Fine Arts", "Master of Fine Arts"),
    "MUS": ("Music", "Bachelor of Music", "Master of Music"),
    "ENG": ("English", "Bachelor of Arts in English", "Master of Arts in English"),
    "LAN": ("World Languages", "Bachelor of Arts in World Languages", "Master of Arts in World Languages"),
    "CRJ": ("Criminal Justice", "Bachelor of Science in Criminal Justice", "Master of Science in Criminal Justice"),
    "LAW": ("Legal Studies", "Bachelor of Arts in Legal Studies", "Master of Legal Studies"),
    "ENV": ("Environmental Science", "Bachelor of Science in Environmental Science", "Master of Science in Environmental Science"),
    "EGT": ("Engineering Technology", "Bachelor of Science in Engineering Technology", "Master of Science in Engineering Technology"),
    "BIO": ("Biological Sciences", "Bachelor of Science in Biology", "Master of Science in Biology"),
    "SWK": ("Social Work", "Bachelor of Social Work", "Master of Social Work"),
    "HSP": ("Hospitality", "Bachelor of Science in Hospitality Management", "Master of Science in Hospitality Management"),
    "SPT": ("Sport Business", "Bachelor of Science in Sport Business", "Master of Science in Sport Business"),
    "AGR": ("Agriculture", "Bachelor of Science in Agriculture", "Master of Science in Agriculture"),
}

# One line per credential: subject code, level (u/g), name, aliases separated by ";".
CREDENTIALS = """
MGT u Project Management Essentials | project management; pm essentials
MGT g Agile Leadership | agile management
MGT u Small Business Management | small business
MGT g Change Management | organizational change
MGT u Human Resource Fundamentals | hr fundamentals; human resources
MGT g Strategic Human Resources | strategic hr
MGT u Entrepreneurship | startup founder
MGT g Operations Excellence | lean operations
SCM u Supply Chain Analytics | supply chain data
SCM u Logistics and Distribution | logistics
SCM g Global Sourcing | procurement strategy
SCM g Supply Chain Resilience | resilient supply chains
MKT u Digital Marketing | online marketing
MKT u Social Media Strategy | social media marketing
MKT g Marketing Analytics | marketing data
MKT u Brand Management | branding
MKT g Consumer Insights | consumer research
MKT u Sales Leadership | professional selling
ACC u Bookkeeping Fundamentals | bookkeeping
ACC g Forensic Accounting | fraud examination
ACC g Tax Planning | tax strategy
FIN u Personal Financial Planning | financial planning
FIN g Corporate Finance | corporate financial management
FIN g Investment Analysis | investments
FIN u FinTech Foundations | fintech; financial technology
ECO g Applied Econometrics | econometrics
ECO u Economics of Sustainability | sustainability economics
INF u UX Design | user experience design; ux
INF u Web Development | web dev; front-end development
INF g Human-Computer Interaction | hci
INF u Mobile App Development | app development
INF g Information Architecture | content strategy
CSC u Python Programming | python
CSC g Machine Learning | ml
CSC g Artificial Intelligence Applications | ai applications; applied ai
CSC u Game Development | game design
CSC g Cloud Computing | cloud architecture
CSC u Software Testing | quality assurance
CSC g DevOps Engineering | devops
CIT u Network Administration | networking
CIT u Cybersecurity Essentials | cyber security; cybersec
CIT g Cyber Threat Intelligence | threat intel
CIT g Digital Forensics | computer forensics
CIT u Linux Systems | linux administration
CIT g Cloud Security | secure cloud
DSC u Data Analytics | data analysis
DSC g Big Data Engineering | data engineering
DSC g Business Intelligence | bi dashboards
DSC u Data Storytelling | data viz; data visualization
DSC g Applied Statistics | statistical methods
DSC u Spreadsheet Modeling | excel modeling
DSC g Geographic Information Systems | gis mapping; gis
DSC u Database Design | sql databases
NRS g Nursing Informatics | clinical informatics
NRS g Nurse Leadership | nursing leadership
NRS u Care Coordination | patient care coordination
NRS g Gerontological Care | aging care
HSC u Healthcare Administration | health administration
HSC g Health Policy | healthcare policy
HSC u Medical Coding | medical billing and coding
HSC g Healthcare Quality | patient safety
HSC u Community Health Work | community health worker
PHE g Epidemiology | disease surveillance
PHE g Global Health | international health
PHE u Nutrition and Wellness | nutrition
PHE u Health Coaching | wellness coaching
PHE g Public Health Emergency Preparedness | public health preparedness
PSY u Mental Health First Aid | mental health support
PSY g Addiction Counseling | substance abuse counseling
PSY u Behavioral Science | human behavior
PSY g Applied Behavior Analysis | aba
PSY g Trauma-Informed Practice | trauma informed care
PSY u Positive Psychology | wellbeing science
EDU g Instructional Design | learning design
EDU g Online Teaching | teaching online
EDU u Early Childhood Education | early childhood
EDU g Special Education Advocacy | special ed advocacy
EDU g Educational Leadership | school leadership
EDU g STEM Teaching | stem education
EDU u Tutoring and Mentoring | peer tutoring
EDU g English Language Learners | esl teaching
EDU g Literacy Coaching | reading coaching
EDU g Assessment and Evaluation | program evaluation
PAD g Disaster Readiness | disaster prep; emergency readiness
PAD g Nonprofit Leadership | nonprofit management; non-profit leadership
PAD g Grant Writing | grant proposals
PAD g Public Budgeting | government budgeting
PAD g Local Government Management | city management
PAD g Public Policy Analysis | policy analysis
PAD u Civic Engagement | community engagement
PAD u Volunteer Management | volunteer coordination
COM u Public Speaking | presentation skills
COM u Professional Writing | business writing
COM g Strategic Communication | strategic comms
COM u Conflict Resolution | mediation
COM g Crisis Communication | crisis comms
JOU u Digital Journalism | online journalism
JOU u Podcast Production | podcasting
JOU g Science Communication | science writing
ART u Graphic Design | visual design
ART u Photography | digital photography
ART u Motion Graphics | animation
ART g Museum Studies | museum curation
ART u 3D Modeling | 3d modelling
MUS u Audio Engineering | sound engineering
MUS u Music Business | music industry
ENG u Technical Writing | tech writing
ENG u Creative Writing | fiction writing
ENG g Editing and Publishing | publishing
LAN u Spanish for Healthcare | medical spanish
LAN u Business Spanish | spanish for business
LAN u American Sign Language | asl
CRJ u Crime Scene Investigation | csi
CRJ g Homeland Security | national security
CRJ u Corrections Leadership | corrections
CRJ g Victim Advocacy | victim services
LAW u Paralegal Studies | paralegal
LAW g Compliance and Risk | regulatory compliance
LAW g Privacy Law | data privacy law
LAW g Health Law | healthcare law
ENV u Environmental Sustainability | sustainability
ENV g Climate Policy | climate change policy
ENV u Renewable Energy | clean energy
ENV g Water Resource Management | water management
EGT u Advanced Manufacturing | manufacturing technology
EGT u Robotics and Automation | robotics
EGT u Quality Control | six sigma
EGT g Systems Engineering | systems thinking
EGT u Construction Management | construction
BIO u Biotechnology Lab Skills | biotech lab
BIO g Bioinformatics | computational biology
BIO u Clinical Research Coordination | clinical trials
SWK g Child Welfare | child protection
SWK u Case Management | case manager
SWK g Social Work Leadership | social services leadership
HSP u Hospitality Management | hotel management
HSP u Event Planning | event management
HSP u Culinary Entrepreneurship | food business
SPT u Sport Management | sports management
SPT u Coaching Fundamentals | athletic coaching
SPT g Sport Analytics | sports analytics
AGR u Urban Agriculture | urban farming
AGR u Food Safety | food safety management
"""

TITLES = {
    "undergraduate": ["Introduction to {t}", "{t} Foundations", "{t} in Practice", "Applied {t}",
                      "{t} Studio", "Topics in {t}", "{t} Tools and Techniques"],
    "graduate": ["Foundations of {t}", "Advanced {t}", "{t} Methods", "{t} Seminar",
                 "Research in {t}", "{t} Strategy", "Leading {t}"],
}
CAPSTONE = {"undergraduate": "{t} Capstone", "graduate": "{t} Practicum"}
SEASONS = ("Spring", "Summer", "Fall")
LEVEL = {"u": "undergraduate", "g": "graduate"}


def credential_rows() -> List[Tuple[str, str, str, List[str]]]:
    """(subject, level, name, aliases) for every credential of the generated catalog."""
    rows = []
    for line in CREDENTIALS.strip().splitlines():
        head, aliases = line.split("|")
        subject, level, name = head.split(maxsplit=2)
        rows.append((subject, LEVEL[level], name.strip(), [a.strip() for a in aliases.split(";") if a.strip()]))
    return rows


def _slug(name: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())


def large_catalog(seed: int = SEED, min_courses: int = 433) -> Dict[str, Any]:
    """A catalog mapping (``data/catalog.yml``'s format) with every credential of
    :data:`CREDENTIALS` (124+) and at least ``min_courses`` courses; the same for the same seed."""
    rng = random.Random(seed)
    rows = credential_rows()
    next_number: Dict[Tuple[str, str], int] = {}
    courses: Dict[str, Dict[str, Any]] = {}
    shared: Dict[Tuple[str, str], str] = {}  # (subject, level) -> a course earlier credentials use
    credentials = []

    def new_course(subject: str, level: str, title: str, consent: bool) -> str:
        start = 101 if level == "undergraduate" else 501
        number = next_number.get((subject, level), start) + rng.randint(1, 9)
        next_number[(subject, level)] = number
        code = f"{subject} {number}"
        courses[code] = {"title": title, "credit_hours": rng.choice([3, 3, 3, 3, 1, 2, 4]),
                         "consent_required": consent}
        return code

    # Enough courses per credential that the whole catalog reaches min_courses.
    per_credential = -(-min_courses // len(rows))  # ceiling
    for i, (subject, level, name, aliases) in enumerate(rows):
        titles = rng.sample(TITLES[level], len(TITLES[level]))
        own = per_credential + (1 if i % 3 == 0 else 0) - (1 if i % 5 == 0 else 0)
        codes = [new_course(subject, level, titles[k].format(t=name), consent=rng.random() < 0.06)
                 for k in range(own - 1)]
        capstone = new_course(subject, level, CAPSTONE[level].format(t=name), consent=rng.random() < 0.5)
        requirements: List[Any] = list(codes)
        style = i % 4
        if style == 1:  # any 1 of the last two courses and the capstone
            requirements = codes[:-2] + [{"choose": 1, "from": codes[-2:] + [capstone]}]
        elif style == 2 and len(codes) >= 3:  # any 2 of three
            requirements = codes[:-3] + [{"choose": 2, "from": codes[-3:]}, capstone]
        else:
            requirements.append(capstone)
        if (subject, level) in shared and rng.random() < 0.6:  # a department course several share
            requirements.insert(0, shared[(subject, level)])
        shared.setdefault((subject, level), codes[0])

        area, bachelor, master = DEPARTMENTS[subject]
        if level == "undergraduate":
            programs = [f"Certificate in {area}", bachelor]
        else:
            programs = [f"Graduate Certificate in {name}" if rng.random() < 0.3 else f"Graduate Certificate in {area}", master]
        stacks = programs[: rng.choice([0, 1, 2, 2, 2])]
        year = rng.randint(2018, 2024)
        credentials.append({
            "id": _slug(name),
            "name": name,
            "aliases": aliases,
            "level": level,
            "launch_term": f"{rng.choice(SEASONS)} {year}",
            "requirements": requirements,
            "stacks_into": stacks,
        })

    return {
        "institution": {
            "name": "Northern Kentucky University",
            "short_name": "NKU",
            "contact_email": "microcredentials@example.edu",
            "program_start_term": "Spring 2018",
            "program_index_url": "https://www.example.edu/microcredentials/program-index",
            "apply_url": "https://www.example.edu/microcredentials/apply",
            "verification_url": "https://www.example.edu/microcredentials/verify",
        },
        "policies": {
            "repeat_rule": "latest",
            "transfer_credit": False,
            "levels": {
                "undergraduate": {"min_course_grade": "C", "min_gpa": 2.0, "requires_bachelors": False},
                "graduate": {"min_course_grade": "C", "min_gpa": 3.0, "requires_bachelors": True},
            },
            "stacking": {"max_credits": 9, "max_credit_age_years": 8},
        },
        "credentials": credentials,
        "courses": courses,
    }


MESSAGE_TEMPLATES = [
    "what courses are in {n}?",
    "tell me about {n}",
    "how close am I to the {n} badge",
    "is {n} graduate or undergraduate",
    "when did {n} launch",
    "what does the {n} micro-credential stack into? I'm thinking of applying next fall",
    "hi! I took two courses last year and want to know whether {n} would count for me",
]
PLAIN_MESSAGES = [
    "how much does a micro-credential cost?",
    "what micro-credentials do you offer?",
    "how am I doing?",
    "do credits from my community college transfer?",
    "which courses need consent",
    "thanks, that's all for today",
]


def typo(name: str, rng: random.Random) -> str:
    """``name`` with one letter of its longest word dropped or swapped with the next."""
    words = name.split()
    k = max(range(len(words)), key=lambda j: len(words[j]))
    word = words[k]
    i = rng.randrange(1, len(word) - 1) if len(word) > 2 else 0
    if rng.random() < 0.5 or i + 1 >= len(word) or word[i] == word[i + 1]:  # swapping "mm" changes nothing
        word = word[:i] + word[i + 1:]
    else:
        word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return " ".join(words[:k] + [word] + words[k + 1:])


def sample_messages(raw: Dict[str, Any], count: int = 200, seed: int = SEED) -> List[str]:
    """Varied chat messages for a catalog mapping: its names and aliases, some misspelled,
    in questions of different lengths, and some messages that name no credential."""
    rng = random.Random(seed)
    names = [n for c in raw["credentials"] for n in [c["name"], *c.get("aliases", [])]]
    messages = []
    for i in range(count):
        if i % 5 == 4:
            messages.append(rng.choice(PLAIN_MESSAGES))
            continue
        name = rng.choice(names)
        if i % 3 == 0:
            name = typo(name, rng)
        messages.append(rng.choice(MESSAGE_TEMPLATES).format(n=name.lower() if i % 2 else name))
    return messages


if __name__ == "__main__":  # print the generated catalog as YAML
    import yaml

    print(yaml.safe_dump(large_catalog(), sort_keys=False), end="")
