import pytest

from assistant.followup import FollowUpResolver
from assistant.settings import PROJECT_ROOT
from ingest.sectors import SectorVocabulary

R = FollowUpResolver(SectorVocabulary.from_file(PROJECT_ROOT / "data" / "sectors.json"))


@pytest.mark.parametrize("previous,question,expected", [
    ("Wat heeft de sector Gemeenten gedaan?", "En bij de provincies?", "Wat heeft de sector Provincies gedaan?"),
    ("Hoeveel fte realiseerden de provincies in 2016?", "Hoe zag dat er een jaar eerder uit?",
     "Hoeveel fte realiseerden de provincies in 2015?"),
    ("Wat heeft Defensie gedaan?", "Wat waren daarvan de gevolgen?",
     "Wat waren daarvan de gevolgen: Wat heeft Defensie gedaan?"),
])
def test_elliptical_questions_are_resolved(previous, question, expected):
    assert R.resolve(question, [{"role": "user", "content": previous}]).text == expected


def test_a_complete_question_is_left_alone():
    q = "Wat is het knelpunt rond de meeteltermijn van het doelgroepregister?"
    assert R.resolve(q, [{"role": "user", "content": "Wat heeft Defensie gedaan?"}]).text == q
    assert R.resolve("En bij de provincies?", []).text == "En bij de provincies?"
