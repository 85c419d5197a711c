"""The crisis phrases (bot/crisis.py), group by group: messages each group must recognise, and
look-alikes (the same words about a course, a deadline, an email) that must not get the crisis reply.

The phrases here are written for this file, not taken from the NLU sets (tests/nlu/, data/nlu/).
"""
import re

import pytest

from bot import crisis, meaning
from bot.crisis import CRISIS_GROUPS, CRISIS_PATTERNS, is_crisis_text

#: Per group: messages that are crises, each recognised by a phrase of its own group.
CRISES = {
    "suicide_self_harm": [
        "sometimes i think about killing myself", "I have been burning myself with a lighter",
        "been having suicidal thoughts since the breakup", "i've been starving myself for weeks",
        "i just want to end it", "planning to end it tonight", "i'm going to hang myself",
        "wish i were dead honestly", "i no longer want to exist", "I don't think I want to live",
        "thinking about self-harm again", "i'd rather take my own life than repeat this",
        "i wanted to die all weekend", "cut my wrists last night", "i kinda wanna die tbh", "gonna unalive myself",
    ],
    "suicide_warning_signs": [
        "my family is better without me", "sometimes i just want to sleep and never wake up",
        "i hope i never wake up tomorrow", "there's no reason to keep going", "honestly can't see the point in going on",
        "i want to disappear forever", "i can't go on like this", "i'm so tired of living",
        "i probably won't be alive much longer, so whatever", "after i'm gone, give my laptop to my sister",
        "just posted a goodbye video on my story", "i've been looking at jumping off the parking garage",
        "i bought a rope yesterday", "thinking of driving into a tree on the highway", "i want the pain to stop forever",
        "my roommate texted me goodbye and won't open the door",
        "honestly don't think i'll be around much longer", "i'm sick of existing", "would anyone care if i died",
        "gave away my cat and most of my things this week", "my cousin says she's about to jump",
        "lately i keep thinking about dying", "i'm having thoughts of killing myself again",
    ],
    "overdose_poisoning": [
        "my brother overdosed last night", "i took too many sleeping pills", "my friend swallowed a handful of her pills",
        "she took like 30 pills", "he drank some bleach", "my toddler swallowed magnets", "i swallowed the whole bottle",
        "I think I took way too much insulin",
        "he swallowed about 12 tablets",
    ],
    "violence_threats": [
        "someone in the parking lot has a gun", "there's a bomb in the library",
        "someone is threatening to shoot up the campus", "i'm gonna stab someone", "i honestly want to stab someone",
        "i'm planning to attack my professor", "my ex said he would kill us", "he said he'll beat me",
        "a man says he will shoot at the students", "he's going to suffer for what he did, i swear",
        "i'll get even with my group, they'll all pay",
        "they threatened me after class", "a guy from my cohort is dm'ing me threats", "he won't see it coming",
        "there was a mass shooting near my apartment", "a classmate said he will come to the lab and hurt her",
    ],
    "abuse_stalking_harassment": [
        "a stranger keeps sending me pictures of my apartment", "they know where i sleep",
        "my stepfather abuses me", "my boyfriend is abusive", "i was sexually assaulted at a party",
        "my coworker keeps harassing me", "a man groped me on the bus", "my coach sends me creepy messages",
        "my aunt locks me out of the house at night", "my ex tied me up", "i don't feel safe going home",
        "someone followed me home from the library", "a stranger keeps watching me in the lab",
        "he showed up at my job again", "he knows where i sleep", "someone spiked her drink at the bar",
        "my babysitter hits my little brother", "i'm being stalked by a former student",
        "my ex won't stop calling me at 3am",
    ],
    "emergency": [
        "this is an emergency please help", "it's a emergency, someone fell", "there's an emergency at the dorm",
        "someone call 911", "emergency on campus, the doors are locked",
    ],
    "medical_fire": [
        "my roommate is not breathing", "i can't breathe", "he's having chest pain", "my friend passed out in the hallway",
        "my dad is having a stroke", "her face went numb", "my grandpa won't wake up", "there's a fire in the lab",
        "the garage is burning", "smoke everywhere in the hallway", "my throat is swelling after the peanuts",
        "a student collapsed in class", "someone is bleeding badly", "my uncle is unresponsive",
        "we were in a car accident", "just saw a terrible accident on the bridge", "a huge crash outside, people are hurt",
    ],
}

#: Per group: messages sharing that group's words that are not crises (no group may match them).
LOOK_ALIKES = {
    "suicide_self_harm": [
        "is suicide prevention training part of the nonprofit courses", "our county's suicide statistics for a data project",
        "suicide awareness week volunteer hours", "research on suicide rates for my thesis",
        "this deadline is killing me", "the commute is killing me", "i want to end it with a strong capstone",
        "I'm dying to know when registration opens", "my laptop died during the exam", "i could kill for a coffee right now",
        "ending things with my old program and transferring", "cut my hours at work so i can study",
        "can i cut the class from my schedule", "I'm done with the first course, what's next",
        "done with everything for the week, what's next", "tired of living out of a suitcase for my job",
    ],
    "suicide_warning_signs": [
        "i won't be around next week, can i get the slides", "when does the sleep and wellness course start",
        "no reason to retake the course if i passed?", "can't go on the field trip friday", "what's the point of the capstone",
        "how do I make it stop auto-renewing", "how do I say goodbye to my cohort at graduation",
        "can I jump off the waitlist", "goodbye email template for my internship",
        "i keep thinking about dying my hair blue for graduation", "thinking about death and dying: is that a philosophy course?",
        "will the badge disappear from my profile", "the rope course at orientation was fun",
        "i'm going to jump into the second course next term", "i'll be around campus all summer",
        "writing a goodbye message for my team", "would anyone notice if i took the course online",
    ],
    "overdose_poisoning": [
        "overdose prevention training for social workers", "is there an overdose response kit in the office",
        "i took too many electives", "i ate too much pizza", "swallowed my pride and emailed the professor",
        "took 3 courses last fall", "the course covers poison control",
        "how many pills is a typical dosage question on the pharmacology exam",
        "i took 2 tablets of ibuprofen for a headache",
    ],
    "violence_threats": [
        "shoot me an email when grades post", "threat modeling for cybersecurity", "the threat landscape module",
        "are active shooter drills mandatory for staff", "gun safety course for hunters", "weapons policy for campus events",
        "this class will kill my gpa", "my dad is gonna kill me if i miss the deadline",
        "we'll shoot the video for the capstone at the library", "i'm going to crush the final",
        "kill the process and restart the server", "will my employer pay for what i take", "they'll all see my badge on linkedin",
        "i'm going to bomb this interview", "we'll shoot at the park for the film course",
    ],
    "abuse_stalking_harassment": [
        "is there a harassment policy for online students", "stalking awareness module for social work",
        "sexual assault prevention training for RAs", "substance abuse counseling courses",
        "people keep following me on linkedin", "follow me on instagram", "can the course show up on my transcript",
        "does the badge show up at my employer's site", "the portal locked me out",
        "i'm stalking the credly page until my badge shows up", "does my advisor know my schedule",
        "the course hits me with a lot of reading", "the professor's comments touched me",
    ],
    "emergency": [
        "tell me about the emergency management course", "does an emergency readiness certificate exist",
        "emergency preparedness micro-credential", "it's an emergency management question",
        "what's the emergency contact form for",
        "do you have an emergency fund for students", "i had an emergency change of shifts at work",
    ],
    "medical_fire": [
        "i nearly had a heart attack when i saw my grade", "the tuition gave me a heart attack",
        "is there a fire safety certificate", "fire science courses", "this course is fire",
        "i'm not waking up early for class", "the crash course in python", "my arm is sore from typing",
        "that exam took my breath away", "burning questions about the capstone", "smoke testing for software releases",
        "the bleeding edge of machine learning", "i passed out flyers at the info session",
        "my laptop had a bad crash before the deadline",
    ],
}


def cases(table):
    return [pytest.param(group, text, id=f"{group}-{i}") for group, texts in table.items() for i, text in enumerate(texts)]


@pytest.mark.parametrize("group, text", cases(CRISES))
def test_a_crisis_is_recognised_by_its_group(group, text):
    assert is_crisis_text(text)
    assert re.search("|".join(CRISIS_GROUPS[group]), text.lower())


@pytest.mark.parametrize("group, text", cases(LOOK_ALIKES))
def test_a_look_alike_is_not_a_crisis(group, text):
    assert not is_crisis_text(text)


def test_every_group_has_crises_and_look_alikes():
    assert set(CRISES) == set(LOOK_ALIKES) == set(CRISIS_GROUPS)


def test_the_phrases_are_every_groups_each_once():
    assert CRISIS_PATTERNS == [pattern for group in CRISIS_GROUPS.values() for pattern in group]
    assert len(set(CRISIS_PATTERNS)) == len(CRISIS_PATTERNS)
    for pattern in CRISIS_PATTERNS:
        re.compile(pattern)


def test_case_does_not_matter_and_no_text_is_no_crisis():
    assert is_crisis_text("I WANT TO END IT") and is_crisis_text("Someone Call 911")
    assert not is_crisis_text("")


def test_bot_meaning_still_offers_the_crisis_check_and_examples():
    assert meaning.is_crisis_text is crisis.is_crisis_text
    assert meaning.CRISIS_EXAMPLES is crisis.CRISIS_EXAMPLES
