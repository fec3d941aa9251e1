"""Dutch text analysis for lexical search: tokens, numbers, stop words, stemming and compound splitting."""
from __future__ import annotations

import re
from collections.abc import Iterable

import Stemmer

DUTCH_STOPWORDS = frozenset("""
aan al alle alles als altijd andere ben bij daar dan dat de der deze die dit doch doen door dus een eens en er
ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand iets ik in is ja je kan kon kunnen
maar me meer men met mij mijn moet na naar niet niets nog nu of om omdat onder ons ook op over reeds te tegen
toch toen tot u uit uw van veel voor want waren was wat we wel werd wezen wie wil worden wordt zal ze zelf zich
zij zijn zo zonder zou zeer wij jullie onze hun hen dus dan daarmee daarbij hiervoor waarbij waarin welke welk wanneer waar
hoeveel hoe wat wie waarom heeft hebben is zijn werd worden the a an of and to in on for is are was were what
which who how many much did does do has have by with from at as be this that these those their its it
""".split())

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[a-zà-ÿ]+(?:['’][a-z]+)?", re.I)
_stemmer = Stemmer.Stemmer("dutch")  # Kraaij-Pohlmann; dutch_porter measured: same recall within 1 point
_LINKERS = ("s", "en", "e", "")


def _number_forms(tok: str) -> list[str]:
    t = tok.rstrip("%")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", t):  # 3.340 / 25.000: thousands
        return [t.replace(".", "")]
    return [t.replace(",", ".")] if "," in t else [t]


def raw_tokens(text: str) -> list[str]:
    out: list[str] = []
    for m in _TOKEN.finditer(text.lower()):
        tok = m.group(0)
        if tok[0].isdigit():
            out.extend(_number_forms(tok))
        else:
            out.append(tok.replace("’", "'"))
    return out


class DutchAnalyzer:
    """Stemmed, stop-word-free tokens; long compounds also yield their known parts (from ``vocabulary``)."""

    def __init__(self, vocabulary: Iterable[str] = ()):
        self.vocabulary = {w for w in vocabulary if len(w) >= 4}

    @staticmethod
    def vocabulary_of(texts: Iterable[str]) -> set[str]:
        vocab: set[str] = set()
        for text in texts:
            vocab.update(t for t in raw_tokens(text) if len(t) >= 4 and not t[0].isdigit())
        return vocab

    def split_compound(self, word: str) -> list[str]:
        if len(word) < 9 or not self.vocabulary:
            return []
        for i in range(len(word) - 4, 3, -1):  # longest head first
            head, rest = word[i:], word[:i]
            if head not in self.vocabulary:
                continue
            for linker in _LINKERS:
                if linker and not rest.endswith(linker):
                    continue
                modifier = rest[: len(rest) - len(linker)] if linker else rest
                if len(modifier) >= 4 and modifier in self.vocabulary:
                    return [modifier, head]
        return []

    def tokens(self, text: str) -> list[str]:
        out: list[str] = []
        for tok in raw_tokens(text):
            if tok in DUTCH_STOPWORDS or (len(tok) < 2 and not tok.isdigit()):
                continue
            out.append(tok if tok[0].isdigit() else _stemmer.stemWord(tok))
            if not tok[0].isdigit():
                out.extend(_stemmer.stemWord(p) for p in self.split_compound(tok))
        return out
