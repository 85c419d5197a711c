"""The crisis phrases: messages that get the crisis reply whatever else they ask (see
:func:`bot.meaning.decide`), and the crisis examples the meaning check compares a message with.

The phrases are checked on lower-cased text and kept short and unambiguous, so "this deadline is
killing me" or "suicide prevention training" do not match; a negative lookahead after a phrase
lists the words that make it a subject rather than a crisis ("active shooter drills"). Grouped by
what they are about; the one regular expression is built from all groups.
"""
from __future__ import annotations

import re
from typing import Dict, List

#: Words after "suicide" that make it a subject, not a crisis ("suicide prevention training").
_ABOUT_IT = "(prevention|awareness|training|statistics|rates?|research)"

#: Suicide and self-harm, said outright (killing or hurting oneself, wanting to die or not to live).
SUICIDE_SELF_HARM = [
    r"\b(kill|hurt|harm|cutt?|burn|starv)(ing|e)? (my ?self|myself)\b",
    r"\bsuicid(?!e " + _ABOUT_IT + ")",
    r"\bsu[ia]?[cs]i?d(e|al)\b(?! " + _ABOUT_IT + ")",
    r"\bend (my|it) (life|all)\b",
    r"\b(take|end|finish) my (own )?life\b",
    r"\bno longer want to (live|be alive|exist)\b",
    r"\b(don'?t|do not|dont) (think i )?want to (be alive|live|exist|be here)\b",
    r"\b(want(ed)? to|want|wanna|wish i could|ready to) die\b",
    r"\bwish i (was|were) dead\b",
    r"\bself[- ]harm",
    r"\bkms\b", r"\bunaliv(e|ing)\b",
    r"\b(want|wanna|going|gonna|ready|plan(ning)?) (to )?end it\b(?! with)",
    r"\bending (things|it all|everything)\b(?! with)",
    r"\bhang (myself|herself|himself|themselves)\b",
    r"\bslit (my|his|her|their) wrists?\b",
    r"\b(cutting|cut) (again|my (arms?|wrists?|legs?))\b",
]

#: Warning signs named by crisis lines: wanting to be gone, to not wake up, a plan, a means, goodbyes.
SUICIDE_WARNING_SIGNS = [
    r"\bbetter off (dead|if i (was|were) gone)\b",
    r"\bbetter (off )?without me\b",
    r"\bsleep and (never|not) wake up\b",
    r"\b(hope|wish) i (don'?t|never|wouldn'?t|won'?t) wake up\b",
    r"\bno (reason|point) (to|in|for) (live|living|going on|life)\b",
    r"\bno (reason|point|will) (to|in) (keep(ing)? going|go(ing)? on|liv(e|ing)|be(ing)? here)\b",
    r"\b(don'?t|dont|do not|can'?t|cant) see the point (of|in) (anything|living|life|going on)\b",
    r"\bwhat'?s the point\b[^.?!]{0,60}\bwon'?t be (here|around|alive)\b",
    r"\b(disappear(ed|ing)?|be gone) (for good|forever)\b",
    r"\bcan'?t go on (anymore|like this|living)\b",
    r"\b(keep|always|been|can'?t stop|cant stop|constantly) (thinking|thinkin) (about|of) (dying|death|killing myself)\b(?! (my|your|her|his) hair)",
    r"\bthoughts (of|about) (dying|killing myself)\b",
    r"\b(so |just |really )?(done|finished) with (life|living|everything|it all)\b(?! (for|on|in|at|by|before|from|except|but|that)\b)",
    r"\b(tired|sick) of (living|being alive|existing)\b(?! (out|in|with|at|like|on|paycheck)\b)",
    r"\b(notice|care|miss me)\b[^.?!]{0,20}\bif i (was|were|died|disappeared|wasn'?t here)\b",
    r"\b(giv(e|en|ing)|gave) away (most of |all of |all )?my (stuff|things|belongings|possessions|pets?|cat|dog)\b",
    r"\b(going to|gonna|about to|wants? to|threaten(ed|s|ing)? to) jump\b(?! (in|into|on|at|ahead|back|start|through|to|ship|right|straight|the gun)\b)",
    r"\bmake it (all )?stop (for good|forever)\b",
    r"\b(want|need|wish) (everything|it all|it|the pain|my life) to (stop|end)\W{0,5}(permanently|for good|forever)\b",
    r"\b(won'?t|will not|(don'?t think|doubt|not sure) i'?ll|not going to) be (around|here|alive) (much |for )?(longer|long|anymore|any more)\b",
    r"\bwon'?t (be (around|here|alive)|exist) (next|by|in) (\w+ )?(week|month|year|semester|term)s? anyway\b",
    r"\b(after|when) i'?m gone\b",
    r"\bbefore i (end it|do it for good)\b",
    # a means, a plan, a goodbye ("suicide note" itself: the "suicid" phrase of SUICIDE_SELF_HARM)
    r"\bjump(ing)? off (a|the|of) (\w+ )?(bridge|roof|building|garage|cliff|balcony|tower)",
    r"\b(step(ping)?|jump(ing)?) in front of (a|the) (train|bus|car|truck)\b",
    r"\b(drive|crash|driving|crashing) (my car |her car |his car )?into a (wall|tree|pole)\b",
    r"\b(have|got|bought) a rope\b",
    r"\bgoodbye (note|letter|message|post|text|video)s?\b(?! (for|to) (my |the |our )?(team|class|coworkers|colleagues|students|cohort|group|boss|manager)\b)",
    r"\b(texted|messaged|told|sent) me (a )?goodbye\b",
    r"\bsaid (a )?goodbye[^.?!]{0,40}\b(sorry for everything|not picking up|won'?t answer)\b",
]

#: Overdoses and poisoning: too many pills, a whole bottle, bleach, batteries (unless "overdose" is a subject).
OVERDOSE_POISONING = [
    r"\boverdos(?!e (response|prevention|training|awareness|reversal|statistics|data|rates?|deaths? data))",
    r"\b(took|taken|swallowed|ate) (way )?(too|to) (many|much) (of (my|her|his|the) )?(pills|meds|medications?|medicine|tablets|sleeping pills|painkillers|tylenol|insulin|xanax|anxiety meds)\b",
    r"\b(took|taken|swallowed|ate) (a bunch|a lot|a handful|lots|a whole bottle|all) of (my |her |his |the )?(pills|meds|medication|tablets)\b",
    r"\b(took|swallowed) (like |about |around )?(\d\d+|[5-9]) (pills|tylenol|advil|tablets)\b",
    r"\bswallowed (a|the|an) (whole )?(bottle|pack|box)\b",
    r"\bswallowed (a bunch of |some |a )?(batteries|button batter|magnets|pills)\b",
    r"\b(drank|swallowed|drinking|ate) (some )?(bleach|poison|antifreeze|drain cleaner)\b",
]

#: Threats of violence and weapons: guns, shootings, someone saying they will kill, stab or hurt.
VIOLENCE_THREATS = [
    r"\b(pay|suffer) for what (they|he|she|you|u) (did|done|have done|did to me)\b",
    r"\bthey'?ll all (pay|regret it)\b",
    r"\b(guns?|shooter|bombs?|weapons?)\b(?! (drills?|training|preparedness|response|safety|policy|policies|exercises?))(?!\W+(this|the|that|my|an?)\W+(exam|test|quiz|interview|presentation|final|midterm|class|course)\b)",
    r"\b(a|mass|school) shooting\b",
    r"\bshoot(ing)? (up (the|a|our|my|this)|people|at (us|me|people|them|him|her|anyone|everyone|students|the (school|students|class|crowd|building|campus)))\b",
    r"\bwant to (kill|shoot|hurt|stab) (him|her|them|someone|somebody|people|everyone)\b",
    r"\b(going to|gonna|will)\b[^.?!]{0,40}\b(kill|shoot|hurt|stab) (him|her|them|someone|somebody|people|everyone)\b",
    r"\b(want|going|gonna|plan(ning)?) to (hurt|kill|stab|shoot|attack) my \w+\b(?! (chances|grade|gpa|credit|score|record))",
    r"\b(says?|said|threaten(s|ed)?|screaming|yelling|yells|screams)\b[^.?!]{0,60}\b(kill|stab|shoot|burn)\b[^.?!]{0,25}\b(me|us)\b",
    r"\b(he'?ll|she'?ll|he will|she will|he'?d|she'?d|they'?ll|will|would|gonna|going to) (come [^.?!]{0,30})?(break|hurt|kill|stab|shoot|beat)\b[^.?!]{0,25}\b(my (arms?|legs?|hands?|fingers|neck|jaw|face|kids?|children|son|daughter)|me|him|her|us)\b(?! if i (fail|miss|don'?t|forget|am late|get))",
    r"\bwon'?t see it coming\b",
    r"\b(threaten(ed|ing)?|threat) (me|to kill|to hurt)\b",
    r"\bme threats\b",
    r"\bthreatening (messages|texts)\b",
]

#: Abuse, assault, stalking and harassment (unless a policy or training subject: "harassment prevention course").
ABUSE_STALKING_HARASSMENT = [
    r"(?<!i'm )(?<!im )(?<!i am )\b(stalk(ing|ed|s)?|harr?ass(ed|es|ing|ment)?|sexual(ly)? assault(ed)?|raped?)\b(?![- ](prevention|training|policy|policies|awareness|compliance|course|module|response))",
    r"\b(was|been|being|am|is|are|got|get|getting) (sexually |physically |emotionally )?abused\b",
    r"\babus(e|es|ed|ing) (me|us|my|him|her)\b", r"\babusive\b",
    r"\b(caregiver|caretaker|aide|nurse|babysitter) (hits|beats|hurts|abuses)\b",
    r"\b(is|been) (attacked|assaulted)\b",
    r"\b(hits|hit|beats|beat|chokes|choked) me\b(?! (with|up on|over|again with)\b)",
    r"\b(hits|hit|beats|beat|chokes|choked|hurts) (my (little |baby |older |younger )?(brother|sister|mom|mother|kids?|son|daughter|child|children|grandma|grandmother))\b",
    r"\blocks? (me|him|her|them|us) (in|out|up)\b",
    r"\btied (me|him|her|them) (up|to)\b",
    r"\b(inappropriate|sexual|explicit|creepy) (messages|texts|comments|photos|pictures|pics|touching|advances)\b",
    r"(?<!comments )(?<!words )(?<!story )(?<!message )(?<!speech )\b(touch(es|ed|ing)?|grop(es|ed|ing)) me\b(?! (deeply|so much|a lot)\b)",
    r"\b(touch(es|ed|ing)?|grop(es|ed|ing)) (her|him|them)\b(?! (on|upon|base))",
    r"\bforced (himself|herself|themselves) on me\b",
    r"\b(comes|came) into my room at night\b",
    r"\b(drugged|spiked) (my|her|his) drinks?\b",
    r"\bput (something|stuff|a pill|pills|drugs) in (my|her|his) drinks?\b",
    r"\b(don'?t|do not|dont) feel safe (at home|sleeping|in my (house|home|room|apartment)|going home)\b",
    r"\b(scared|afraid|terrified) to go home\b",
    r"\bfollow(s|ed|ing)? me home\b",
    r"\bfollowing me (from|around|everywhere|to|for)\b",
    r"\b(keeps|kept) (following|watching) me\b(?! on (linkedin|twitter|instagram|tiktok|facebook|github|x|youtube)\b)",
    r"\b(photos|pictures|pics|videos) of (me|my (house|home|car|apartment|kids?|door|window))\b[^.?!]{0,20}\b(sending|sends|sent|keeps|left|posting)\b|\b(sending|sends|sent|keeps sending|left|posting) me (photos|pictures|pics|videos) of (me|my (house|home|car|apartment|kids?|door|window))\b",
    r"\bwon'?t stop (texting|calling|messaging|following|contacting|touching)\b",
    r"\bshow(s|ed)? up at my (apartment|house|home|place|dorm|room|work|job|door|class)\b",
    r"\b(knows|(he|she|they|someone|somebody) knows?) (where i (live|am|sleep|stay)|my (home |whole |daily |class )?(address|schedule))\b",
]

#: An emergency named as one, or 911 (unless the subject: "emergency management", "emergency readiness").
EMERGENCY = [
    r"\b(an|it'?s an?|this is an?) emergency\b(?! (readiness|management|prep|preparedness|medical|services|change|contact|fund|loan|grant|leave|withdrawal|drop|number|plan|kit|form)\b)",
    r"\bemergency (on|at|in) (campus|the|my)\b",
    r"\bcall 911\b",
]

#: Medical emergencies and fire: not breathing, unconscious, heart attack, stroke, bleeding, smoke.
MEDICAL_FIRE = [
    r"\b(not|barely|stopped|can'?t|isn'?t) breathing\b", r"\b(can'?t|cannot|can not) breathe\b",
    r"\bthroat (is )?(closing|swelling)\b",
    r"\bchest (pains?|hurts|is hurting|feels tight|is tight|pressure)\b",
    r"(?<!nearly had a )(?<!almost had a )(?<!give me a )(?<!gave me a )\bheart attack\b(?! (when|at|over|from) )",
    r"\b(arm|face|side|leg) (is|went|goes|going|feels) numb\b",
    r"\b(having|had) a stroke\b",
    r"\b(unconscious|unresponsive|collapsed|having a seizure)\b", r"\bpassed out\b(?! (the )?(flyers|fliers|papers|handouts|candy|pamphlets|leaflets|brochures|cookies|programs|tickets|forms|tests|exams|snacks)\b)",
    r"\b(isn'?t|is not|won'?t|wont|doesn'?t|not) (wake|waking) up\b(?! (early|in time|on time|for|at|before))",
    r"\bbleeding\b(?! edge)", r"\bcar (accident|crash)\b", r"(?<!had )(?<!has )(?<!having )\ban? (bad|terrible|serious|huge|major) (car )?(accident|crash)\b",
    r"\b(was|were|been|got) in a (car )?(accident|crash)\b",
    r"\b(there'?s|theres|there is) (a )?fire\b", r"\bsmoke (is )?(pouring|coming|everywhere|filling)\b",
    r"\b(kitchen|house|apartment|room|building|dorm|flat|garage) (is )?(on fire|burning)\b",
]

#: Every group by name (the tests check each group's phrases).
CRISIS_GROUPS: Dict[str, List[str]] = {
    "suicide_self_harm": SUICIDE_SELF_HARM,
    "suicide_warning_signs": SUICIDE_WARNING_SIGNS,
    "overdose_poisoning": OVERDOSE_POISONING,
    "violence_threats": VIOLENCE_THREATS,
    "abuse_stalking_harassment": ABUSE_STALKING_HARASSMENT,
    "emergency": EMERGENCY,
    "medical_fire": MEDICAL_FIRE,
}
#: Phrases that always mean a crisis (checked on lower-cased text): every group's.
CRISIS_PATTERNS = [pattern for group in CRISIS_GROUPS.values() for pattern in group]
_CRISIS_RE = re.compile("|".join(CRISIS_PATTERNS))

#: What crisis messages mean, for the similarity check (paraphrases without the phrases above).
CRISIS_EXAMPLES = [
    "I want to end my life", "I'm thinking about hurting myself", "I can't go on anymore, I want it all to stop",
    "someone on campus says they will hurt people", "a student threatened to attack the class",
    "someone keeps following me and sending threatening messages", "I'm being harassed by a classmate",
    "there is an emergency on campus right now", "my friend took too many pills", "I feel like there's no reason to live",
    "I'm done with life", "my chest hurts and my arm went numb",
    "my professor keeps making me uncomfortable with messages I didn't want", "someone at home is hurting me",
    "nobody would even notice if I was gone",
    "my ex keeps coming to where I live after I told him to stop", "I won't be around much longer anyway",
    "my roommate took a whole bottle of pills and is throwing up", "I think I took too much of my medication",
    "someone forced me to have sex and I haven't told anyone", "my stepdad hits my little sister",
    "my partner said he will hurt me if I leave him", "I'm standing on the roof looking down",
    "I keep thinking about stepping in front of a train", "someone keeps sending me threats online",
    "someone is following me and knows my schedule", "my kid swallowed something poisonous",
    "there is a fire and I'm trapped", "my mom collapsed and won't respond", "nobody needs me, I want to disappear",
    "I wrote goodbye letters to my family",
    "my neighbor's father screams that he will kill the boy", "an elderly woman is being neglected and robbed by her son",
    "my husband won't let me leave the house or use my phone", "I can't breathe after eating something I'm allergic to",
    "I've been looking at the rope in my closet", "someone spiked my drink last night", "my child swallowed a battery",
]


def is_crisis_text(text: str) -> bool:
    """Whether ``text`` contains a crisis phrase (case does not matter)."""
    return bool(_CRISIS_RE.search((text or "").lower()))
