"""Language of a question, by py3langid (a trained n-gram classifier) restricted to Dutch and English.

The corpus is Dutch and some users ask in English; the only decision the assistant needs is "English or not".
Restricting the classifier to those two languages keeps short questions from being called Afrikaans or Frisian.
"""
from __future__ import annotations

import re
from functools import lru_cache

@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import LanguageIdentifier, MODEL_FILE

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(["nl", "en"])
    return ident


# The documents are Dutch, so Dutch is the prior: a question is English only when the classifier is sure. A short
# Dutch question around an English-looking name ("Wat is Team Inclusief?") scores about 0.5; English ones >= 0.88.
ENGLISH_CONFIDENCE = 0.75
_GLOSS = re.compile(r"\([^()]*\)")


def language(text: str) -> str:
    """``"nl"`` or ``"en"``; text without letters, or not surely English, counts as Dutch. A gloss in parentheses
    ("the social agreement (sociaal akkoord)") is the other language's word for a term, not the question's language."""
    own = _GLOSS.sub(" ", text)
    text = own if any(ch.isalpha() for ch in own) else text
    if not any(ch.isalpha() for ch in text):
        return "nl"
    lang, prob = _identifier().classify(text)
    return "en" if lang == "en" and prob >= ENGLISH_CONFIDENCE else "nl"


def is_english(text: str) -> bool:
    return language(text) == "en"
