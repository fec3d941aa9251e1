import pytest

from index.analysis import DutchAnalyzer, raw_tokens


@pytest.mark.parametrize("text,expected", [
    ("3.340 extra banen", ["3340", "extra", "banen"]),
    ("1,93% van de uren", ["1.93", "van", "de", "uren"]),
    ("25.000 in 10 jaar", ["25000", "in", "10", "jaar"]),
    ("umc's en de VNG", ["umc's", "en", "de", "vng"]),
])
def test_raw_tokens_handle_dutch_numbers(text, expected):
    assert raw_tokens(text) == expected


def test_stop_words_dropped_and_words_stemmed():
    a = DutchAnalyzer()
    toks = a.tokens("Wat hebben de gemeenten gedaan voor de garantiebanen?")
    assert "de" not in toks and "wat" not in toks
    assert a.tokens("gemeente") == a.tokens("gemeenten")[:1] and a.tokens("garantiebaan")[0] in toks


def test_compounds_yield_their_known_parts():
    a = DutchAnalyzer({"doelgroep", "register", "overheid", "werkgevers"})
    toks = a.tokens("doelgroepregister overheidswerkgevers")
    assert set(DutchAnalyzer().tokens("doelgroep register werkgevers")) <= set(toks)
