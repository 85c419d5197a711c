"""Rasa NLU component: the second opinion by meaning (``bot/meaning.py``) after the intent
classifier. It replaces Rasa's FallbackClassifier in ``config.yml``.

At training time it embeds every training example (all-MiniLM-L6-v2, ``bot/encoder.py``) and
stores the vectors in the model. At parse time it embeds the message, reads the staff answers
file (``bot/staff_answers.py``, re-read when it changes: no retraining) and sets the intent:
- a trained topic or ``staff_answer`` (the topic id in the entity and parse-data key
  ``answer_topic``) when it is sure enough;
- ``nlu_fallback`` with the likely topics (parse-data key ``meaning_options``) to ask which one;
- ``out_of_scope`` to say honestly that the bot doesn't know and whom to ask;
- ``crisis`` for a crisis message, whatever else it asks.

``MeaningPrefetch``, earlier in the pipeline, starts the message's encoding on a thread of its own
so that it runs while the featurizers and DIET do.
"""
from __future__ import annotations

import concurrent.futures
import functools
import json
import logging
import os
import re
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.encoder import encoder
from bot.catalog import Catalog, current_catalog, name_key
from bot.cohort import classify as cohort_kind
from bot.errors import BotError
from bot.resolve import find_credential_in_text, misspelled_credential_span, without_credential_names
from bot.student_ids import student_ids_in
from bot.meaning import CRISIS_EXAMPLES, REFUSE_INTENTS, STAFF_PREFIX, Decision, ExampleIndex, Thresholds, TopicModel, decide
from bot.staff_answers import AnswersFile

logger = logging.getLogger(__name__)
#: The message attribute holding the text's sentence vector.
VECTOR = "sentence_vector"


#: The message attribute holding the encoding started early (:class:`MeaningPrefetch`): (future, row).
PENDING = "sentence_vector_pending"
#: The thread the early encodings run on (ONNX Runtime works without the GIL, so it runs beside
#: the featurizers and the classifier; one thread, like the encoder's own).
_ENCODING = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="meaning-encoder")


def sentence_vectors(messages: List[Message]) -> List[Optional[np.ndarray]]:  # None: no text
    """Each message's sentence vector (computed once, in one batch for all messages): the vector of
    what it asks, without the credential names it holds (:func:`meaning_text`)."""
    for message in messages:
        pending = message.data.pop(PENDING, None)
        if pending is not None and message.get(VECTOR) is None:
            future, row = pending
            message.set(VECTOR, future.result()[row])
    missing = [m for m in messages if m.get(TEXT) and m.get(VECTOR) is None]
    if missing:
        for message, vector in zip(missing, encoder().encode([meaning_text(m) for m in missing]), strict=True):
            message.set(VECTOR, vector)
    return [m.get(VECTOR) for m in messages]


def meaning_text(message: Message) -> str:
    """The message's text with each credential name (as its entities mark it, typos included, or
    as the catalog spells it) replaced by "it": "is data storytelling online?" means "is it
    online?", and a trained example naming one credential is no nearer to a question about
    another topic naming the same one."""
    text = _LEAD_IN.sub("", _without_credential_names(message, instead="it")) or message.get(TEXT) or ""
    catalog = _catalog()
    return without_credential_names(text, catalog) if catalog else text


#: Words before the question that only answer the bot's last message ("fine. who do i ask then?",
#: "ok so is it online"): they pull the meaning toward small talk.
_LEAD_IN = re.compile(r"^\s*(?:(?:ok(?:ay)?|k|fine|so|well|alright|all right|cool|great|thanks|thank you|thx|hmm+|um+|uh+|"
                      r"yeah|yes|yep|nope|sorry|oh|ah|right|got it|i see)\b[\s,.!;:-]*)+(?=\S)", re.I)


_PRONOUN = re.compile(r"\b(it|they|them|these|those)\b", re.I)


def pronoun_spelled_out(text: str, most_words: int = 6) -> str:
    """For a short question whose subject is a pronoun ("who issues it?", "do they expire?"):
    the question about "the micro-credential" (what "it" means on this bot), else ""."""
    if len(text.split()) > most_words or not _PRONOUN.search(text):
        return ""
    return _PRONOUN.sub("the micro-credential", text)


#: Trained intents that never enter the index: a bare credential name means nothing by itself.
NOT_INDEXED = ("inform_credential", "staff_answer")
#: Intents that say nothing about a credential a message names ("tell me about X" looks like
#: "what is a micro-credential"; a bare name like small talk).
ABOUT_ANYTHING = ("faq_what_is", "out_of_scope", "greet", "goodbye", "thanks", "acknowledge", "bot_challenge", "nlu_fallback")
NOT_ABOUT = ("crisis", "staff_answer", "human_handoff")


def catalog_intent(ranking: List[Tuple[str, float]], bare: bool, only_name: bool = False) -> Optional[str]:
    """For a message naming a credential: the classifier's likeliest intent that says something
    about one (a catalog question, or an FAQ topic like its cost); for "tell me about X"
    (``bare``) its overview, for the name alone (``only_name``) ``inform_credential`` (a
    follow-up: the question asked before, about it); None otherwise."""
    named = next((name for name, conf in ranking if name not in ABOUT_ANYTHING and name not in NOT_ABOUT
                  and conf >= 0.25), None)
    if named:
        return named
    if only_name:
        return "inform_credential"
    return "credential_overview" if bare else None


def _without_credential_names(message: Message, instead: str = " ") -> str:
    """The message's text with the credential names its entities mark cut out, or replaced by
    ``instead`` (the last first, so the earlier ones' offsets still hold)."""
    text = message.get(TEXT) or ""
    spans = [(e["start"], e["end"]) for e in message.get("entities") or []
             if e.get("entity") == "credential" and e.get("start") is not None and e.get("end") is not None]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + instead + text[end:]
    return text


MARKED_BY = "MeaningRouter"  # the extractor of the credentials mark_misspelled_credential marks


def mark_misspelled_credential(message: Message, catalog: Catalog) -> None:
    """A credential's name written with a typo or a word split in two ("how much is the nonprofit
    leadrship one?", "data story telling") is marked as a credential, as the entity ruler marks a
    name written exactly: the question is then understood without it, and the action resolves
    the words as written (answering, or asking "did you mean…?")."""
    text = message.get(TEXT) or ""
    entities = message.get("entities") or []
    if not text or any(e.get("entity") == "credential" for e in entities):
        return
    span = misspelled_credential_span(text, catalog)
    if span is not None:
        start, end = span
        message.set("entities", [*entities, {"entity": "credential", "value": text[start:end], "start": start,
                                             "end": end, "extractor": MARKED_BY}], add_to_output=True)


def few_other_words(message: Message, most: int = 3) -> bool:
    """Whether the message is little more than the credential's name ("tell me about X")."""
    text = _without_credential_names(message)
    return len([w for w in text.replace("?", " ").split() if w.strip(".,!'")]) <= most


#: Words around a bare name in a follow-up ("ok, and what about data storytelling then?").
FOLLOW_UP_FILLER = {"and", "ok", "okay", "so", "what", "about", "how", "hmm", "um", "the", "then", "also",
                    "now", "one", "that", "for", "with", "same", "question", "pls", "please", "ones", "on",
                    "in", "of", "to", "regarding", "re", "thanks", "thx", "ty", "cool", "great"}


def only_the_name(message: Message) -> bool:
    """Whether the message is a credential's name and follow-up filler only ("and data storytelling?")."""
    text = _without_credential_names(message)
    words = [w.strip(".,!?'\"").lower() for w in text.replace("?", " ").replace(",", " ").split()]
    return all(w in FOLLOW_UP_FILLER for w in words if w)


def _catalog() -> Optional[Catalog]:
    try:
        return current_catalog()
    except BotError:
        return None


def only_a_name_in_text(text: str) -> bool:
    """Whether the message is one credential's name, as the resolver finds it in the text ("the
    data one?", "cybersecurity?"), and follow-up filler only."""
    catalog = _catalog()
    cred = find_credential_in_text(text, catalog).credential if catalog else None
    if cred is None:
        return False
    name_words = {w for n in (cred.name, *cred.aliases) for w in name_key(n).split()}
    return all(w in FOLLOW_UP_FILLER or w in name_words for w in name_key(text).split())


def general_answer(decision: Decision, top_intent: str, text: str, t: Thresholds) -> Decision:
    """For a visitor who isn't signed in, "when will my badge be issued?" is a general question:
    a staff-written answer that matches it clearly (award timing, expiry, privacy) is the answer,
    not the personal badge status (which could only ask them to sign in); and a question about
    students that isn't about a cohort's progress is no cohort question."""
    intent = top_intent if decision.kind == "pass" else decision.intent
    if intent == "cohort_query" and not about_students(text):  # "how many students are in each class?"
        return Decision("refuse", intent="out_of_scope", confidence=decision.confidence, scores=decision.scores)
    if intent != "badge_status":
        return decision
    staff = sorted(((k, v) for k, v in decision.scores.items() if k.startswith(STAFF_PREFIX)), key=lambda kv: -kv[1])
    if staff and staff[0][1] >= t.staff:
        return Decision("staff", intent="staff_answer", topic=staff[0][0][len(STAFF_PREFIX):],
                        confidence=staff[0][1], scores=decision.scores)
    return decision


#: Intents whose answers are the same (one action answers both, by what the message names).
SAME_ANSWER = ({"inform_credential", "credential_overview"},)
#: Personal intents answered in general to a visitor who isn't signed in.
PERSONAL = ("next_steps", "badge_status", "progress_all", "can_i_do", "what_if", "cohort_query")
#: Intents whose actions read a named student ID themselves.
ABOUT_A_STUDENT = ("check_progress", "next_steps", "badge_status", "progress_all", "can_i_do", "what_if",
                   "cohort_query", "stacking_report", "human_handoff")
#: Words that ask about people: "how many" only before people or what they did ("how many are on
#: it", "how many students finished"), not "how many weeks till the badge shows up".
_GROUP = re.compile(r"\b(who|who's|whos|which students|any ?one|any ?body|students|how many\s+(?:students|people|learners|"
                    r"advisees|of (?:them|my|the|our)|in progress|are|is|have|has|did|got|finished|completed|earned|still))\b", re.I)


_COUNTED_PEOPLE = re.compile(r"\b(in progress|working|enrolled|taking|doing|pursuing|still on|on it)\b", re.I)


def about_students(text: str) -> bool:
    """Whether the message asks about a group of students in words the cohort questions use."""
    kind = cohort_kind(text) if _GROUP.search(text or "") else None
    if kind == "count":  # "how many credits is it?" is no cohort question
        return bool(_COUNTED_PEOPLE.search(text or "") or re.match(r"\s*(who|who's|whos|which)\b", text or "", re.I))
    return kind is not None


def names_a_student(text: str) -> bool:
    catalog = _catalog()
    return bool(catalog and student_ids_in(text, catalog))


#: Intents answered from their words alone (the FAQ, the honest hand-over and the hand-off to a
#: person, whose form takes the next message as the question: "can my staff take the disaster
#: one?" is no request for staff); every other intent (catalog, personal, general) is kept when
#: the classifier is sure of it.
def _worded(intent: str) -> bool:
    return intent.startswith("faq_") or intent in ("out_of_scope", "staff_answer", "human_handoff")


_QUESTION_START = re.compile(r"^\s*(who|whom|whose|what|whats|what's|when|where|why|how|which|is|are|am|do|does|did|can|could|will|would|should|may|has|have)\b", re.I)


def looks_like_a_question(text: str) -> bool:
    """A question asks something the bot may not know (who teaches it, what laptop it needs);
    a short statement naming a credential ("i'm thinking about disaster readiness") is about it."""
    return "?" in text or bool(_QUESTION_START.match(text)) or len(text.split()) > 12  # a long one asks something


def start_encoding(messages: List[Message], catalog: Optional[Catalog]) -> None:
    """Mark misspelt credential names, then start encoding the messages on the encoder's thread;
    :func:`sentence_vectors` collects the vectors. ``MEANING_PREFETCH=0`` turns it off: with one
    math thread per server (production mode, scripts/serve_prod.sh) it gained nothing (README
    "Performance")."""
    if os.environ.get("MEANING_PREFETCH", "1") == "0":
        return
    todo = [m for m in messages if m.get(TEXT) and m.get(VECTOR) is None and m.get(PENDING) is None]
    if catalog is not None:
        for message in todo:
            mark_misspelled_credential(message, catalog)
    if todo:
        future = _ENCODING.submit(encoder().encode, [meaning_text(m) for m in todo])
        for row, message in enumerate(todo):
            message.set(PENDING, (future, row))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MeaningPrefetch(GraphComponent):
    """Starts the sentence encoder as soon as the entities are known (config.yml puts it after the
    entity extractor), so that it runs while the featurizers and the intent classifier do; the
    MeaningRouter then takes the vector instead of encoding the message itself. Same vectors,
    same decisions (tests/test_meaning_prefetch.py); without it the router encodes as before."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "MeaningPrefetch":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # the router encodes the training examples itself, in batches

    def process(self, messages: List[Message]) -> List[Message]:
        start_encoding(messages, _catalog())
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class MeaningRouter(GraphComponent, IntentClassifier):
    """Decides answer / clarify / hand over / crisis from the classifier and sentence meaning."""

    @classmethod
    def required_components(cls) -> List[type]:
        # it reads the classifier's ranking at parse time; config.yml puts it after DIETClassifier
        # (listing IntentClassifier here fails Rasa's check of the training graph)
        return []

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"thresholds": {}}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 index: Optional[ExampleIndex] = None) -> None:
        self.config = config
        self._storage = model_storage
        self._resource = resource
        self.thresholds = Thresholds(**(config.get("thresholds") or {}))
        self.trained = index or ExampleIndex([], np.zeros((0, 384), np.float32))
        self.answers = AnswersFile()
        self._staff: Tuple[Any, Optional[ExampleIndex], Optional[TopicModel]] = (None, None, None)
        self._crisis: Optional[ExampleIndex] = None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "MeaningRouter":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples
                    if m.get("text") and m.get("intent") and m.get("intent") not in NOT_INDEXED]
        vectors = [v for v in sentence_vectors(examples) if v is not None]  # every example has text
        self.trained = ExampleIndex([m.get("intent") for m in examples],
                                    np.stack(vectors) if vectors else np.zeros((0, 384), np.float32))
        with self._storage.write_to(self._resource) as directory:
            np.save(directory / "vectors.npy", self.trained.vectors)
            (directory / "labels.json").write_text(json.dumps(self.trained.labels), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "MeaningRouter":
        with model_storage.read_from(resource) as directory:
            index = ExampleIndex(json.loads((directory / "labels.json").read_text(encoding="utf-8")),
                                 np.load(directory / "vectors.npy"))
        router = cls(config, model_storage, resource, index)
        router._crisis_index()  # at load, not on the first message
        return router

    def _staff_models(self) -> Tuple[ExampleIndex, TopicModel]:
        """The staff answers' example index and the topic model (which has the staff topics too),
        both from one reading of the answers file, rebuilt when it changes."""
        topics = self.answers.topics()
        cached_topics, index, model = self._staff
        if index is None or model is None or cached_topics is not topics:
            catalog = _catalog()
            index = ExampleIndex.build([(t.id, without_credential_names(e, catalog) if catalog else e)
                                        for t in topics for e in t.examples], encoder().encode)
            model = TopicModel(self.trained, index)
            self._staff = (topics, index, model)
        return index, model

    def _topic_sure(self, model: TopicModel, vector: np.ndarray, label: str) -> bool:
        """The topic model clearly sure that the message is about ``label``."""
        best, p = model.best(vector)
        return best == label and p >= self.thresholds.topic_veto

    def _crisis_index(self) -> ExampleIndex:
        if self._crisis is None:  # the examples are code, not training data: built once per process
            self._crisis = ExampleIndex.build([("crisis", t) for t in CRISIS_EXAMPLES], encoder().encode)
        return self._crisis

    def process(self, messages: List[Message]) -> List[Message]:
        catalog = _catalog()
        if catalog is not None:
            for message in messages:
                mark_misspelled_credential(message, catalog)
        for message, vector in zip(messages, sentence_vectors(messages), strict=True):
            text = message.get("text")
            if not text or vector is None:
                continue
            ranking = [(r.get("name"), float(r.get("confidence") or 0.0)) for r in message.get("intent_ranking") or []]
            if not ranking and message.get("intent"):
                ranking = [(message.get("intent").get("name"), float(message.get("intent").get("confidence") or 0.0))]
            entities = {e.get("entity") for e in message.get("entities") or []}
            # a name the catalog spells (the entity ruler's), not one guessed from a typo: only those
            # share their words with crises ("emergency readiness")
            spelled_name = any(e.get("entity") == "credential" and e.get("extractor") != MARKED_BY
                               for e in message.get("entities") or [])
            # a visitor who isn't signed in gets a general answer to a personal question ("when
            # will my badge be issued?"), so its words decide, like an FAQ's
            signed_in = bool((message.get("metadata") or {}).get("auth_token"))
            passthrough = {name for name, _ in ranking if not _worded(name) and (signed_in or name not in PERSONAL)}
            top_intent, top_conf = ranking[0] if ranking else ("", 0.0)
            # a credential's name ("emergency readiness", "disaster prep") is no emergency: a message
            # naming one is a crisis only by its words
            staff_index, topic_model = self._staff_models()
            judged = functools.partial(decide, ranking=ranking, trained=self.trained, staff=staff_index,
                                       crisis=self._crisis_index(), text=text, passthrough_intents=passthrough,
                                       t=self.thresholds, crisis_by_words_only=spelled_name,
                                       topics=topic_model)
            decision = judged(vector)
            spelled_out = pronoun_spelled_out(text)
            if decision.kind in ("clarify", "refuse") and spelled_out:
                # "who issues it?": too little meaning in "it"; in this bot "it" is the micro-credential
                again = judged(encoder().encode([spelled_out])[0])
                if again.kind in ("answer", "staff", "pass"):
                    decision = again
            if decision.kind != "crisis" and top_intent == "crisis":  # the classifier's guess was overruled
                top_intent, top_conf = next(((n, c) for n, c in ranking if n != "crisis"), ("", 0.0))
            # a credential's name and nothing else ("ok, and data storytelling?", "the data one?"): a follow-up
            if decision.kind != "crisis" and (only_the_name(message) if "credential" in entities
                                              else only_a_name_in_text(text)):
                self._apply(message, Decision("answer", intent="inform_credential", confidence=max(top_conf, 0.5)))
                continue
            # "whats disaster readiness", "tell me about ux design": a name and a few words asking about it
            if decision.kind in ("clarify", "refuse") and "credential" in entities and few_other_words(message) \
                    and top_intent in ("inform_credential", "credential_overview"):
                self._apply(message, Decision("answer", intent="credential_overview", confidence=max(top_conf, 0.5)))
                continue
            # unsure between two intents with the same answer: that answer
            if decision.kind == "clarify" and decision.options and any(
                    {top_intent, decision.options[0]} <= group for group in SAME_ANSWER):
                self._apply(message, Decision("answer", intent=top_intent, confidence=top_conf))
                continue
            # a student ID ("S1024 data storytelling?", "what did S1020 get in PAD 682?", "my id is
            # S1004"): a question about that student's record (a student naming another is refused,
            # an advisor answered), unless the question already is about a student's record
            if decision.kind != "crisis" and top_intent not in ABOUT_A_STUDENT and names_a_student(text):
                self._apply(message, Decision("answer", intent="check_progress", confidence=max(top_conf, 0.5)))
                continue
            # "who finished nonprofit leadership?", "how many are still on it?": a question about a
            # group of students (only an advisor gets an answer; anyone else is told it is theirs)
            if decision.kind in ("clarify", "refuse") and about_students(text) \
                    and (top_intent == "cohort_query" or top_conf < self.thresholds.diet_sure):  # not when sure of another
                self._apply(message, Decision("answer", intent="cohort_query", confidence=max(top_conf, 0.5)))
                continue
            # a short statement naming a credential ("looking at cybersecurity essentials") is about it
            statement = "credential" in entities and not looks_like_a_question(text)
            # a visitor's: no question about a record, unless the classifier is sure it asks for
            # one ("progress on disaster readiness": the sign-in request is the answer)
            if statement and not signed_in and decision.kind != "crisis" and top_intent in (*PERSONAL, "check_progress") \
                    and not (decision.kind == "pass" and top_conf >= self.thresholds.diet_sure):
                self._apply(message, Decision("answer", intent="credential_overview", confidence=max(top_conf, 0.5)))
                continue
            # a catalog name in a catalog/personal question: the classifier knows best (a staff
            # answer that meaning chose stays: "what kind of assignments are in data storytelling")
            # (and not against the topic model clearly sure of the answer: "I'm interested in Data
            # Storytelling, what's the very first thing I need to do to get started?")
            if decision.kind not in ("pass", "crisis", "staff") and entities & {"credential", "course"} \
                    and top_intent in passthrough and top_intent not in ABOUT_ANYTHING and top_conf >= 0.5 \
                    and (decision.kind != "clarify" or top_intent in decision.options) \
                    and not (decision.kind == "answer" and self._topic_sure(topic_model, vector, decision.intent)):
                continue
            # (only when the classifier's own best guess says nothing about it: an unsure answer
            # to a real question stays a clarification)
            if "credential" in entities and decision.kind != "crisis" and top_conf < (
                    0.6 if top_intent in REFUSE_INTENTS else 0.9) and top_intent in ABOUT_ANYTHING:
                # "tell me about ux design", "ux design": a message naming a credential, with no
                # other topic in it, is about that credential
                about = catalog_intent(ranking, few_other_words(message), only_the_name(message))
                if about:
                    decision = Decision("answer", intent=about, confidence=top_conf)
            if not signed_in:
                decision = general_answer(decision, top_intent, text, self.thresholds)
            # "im a nurse thinking about disaster readiness": nothing else understood, but a
            # credential named: say what it is (and remember it for "what classes are in it?")
            if decision.kind == "refuse" and statement:
                decision = Decision("answer", intent="credential_overview", confidence=max(top_conf, 0.5))
            if decision.kind == "pass":
                continue
            self._apply(message, decision)
        return messages

    @staticmethod
    def _apply(message: Message, decision) -> None:
        intent = {"name": decision.intent, "confidence": float(decision.confidence)}
        message.set("intent", intent, add_to_output=True)
        ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") != decision.intent]
        message.set("intent_ranking", [intent] + ranking, add_to_output=True)
        if decision.kind == "staff":
            entities = [e for e in message.get("entities") or [] if e.get("entity") != "answer_topic"]
            entities.append({"entity": "answer_topic", "value": decision.topic, "start": 0,
                             "end": len(message.get("text")), "extractor": "MeaningRouter"})
            message.set("entities", entities, add_to_output=True)
            message.set("answer_topic", decision.topic, add_to_output=True)
        if decision.kind == "clarify":
            message.set("meaning_options", decision.options, add_to_output=True)
