"""Build the spaCy pipeline the Rasa NLU config loads: tokens, lemmas and catalog entities.

A blank English pipeline with the lookup lemmatizer and an ``entity_ruler`` whose patterns come
from the catalog (credential names and aliases, course codes however spaced, the two levels), so a
credential added to the catalog is recognised after ``python -m bot.nlp`` without new training
examples. Run: ``python -m bot.nlp [--out DIR] [--catalog FILE]``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional

from bot.catalog import Catalog, load_catalog, name_key
from bot.errors import BotError
from bot.resolve import LEVEL_WORDS

DEFAULT_OUT = "models/spacy-catalog"



def entity_patterns(catalog: Catalog) -> List[Dict[str, object]]:
    """Entity-ruler patterns (matched on lower-cased text) for the catalog's names and codes."""
    patterns: List[Dict[str, object]] = []
    for cred in catalog.credentials:
        names = [cred.name, cred.id, *cred.aliases]
        # as written, and without its punctuation ("human computer interaction", "non profit leadership")
        for name in dict.fromkeys([n.lower() for n in names] + [name_key(n) for n in names]):
            patterns.append({"label": "credential", "pattern": name, "id": cred.id})
    for code in catalog.courses:
        subject, number = code.split(" ", 1) if " " in code else (code, "")
        for form in {code, f"{subject}{number}", f"{subject}-{number}"}:
            patterns.append({"label": "course", "pattern": form.lower(), "id": code})
    for level, words in LEVEL_WORDS.items():
        for word in words:
            patterns.append({"label": "level", "pattern": word, "id": level})
    return patterns


def build_pipeline(catalog: Catalog):
    """Return the blank English spaCy pipeline with lemmatizer and the catalog's entity ruler."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    nlp.initialize()  # empties the ruler, so patterns go in afterwards
    ruler.add_patterns(entity_patterns(catalog))  # type: ignore[attr-defined]  # spaCy types add_pipe as a generic Pipe
    return nlp


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlp", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--catalog", default=None, help="catalog file (default $CATALOG_PATH or data/catalog.yml)")
    args = parser.parse_args(argv)
    try:
        nlp = build_pipeline(load_catalog(args.catalog))
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.out)
    print(f"spaCy pipeline with catalog entities written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
