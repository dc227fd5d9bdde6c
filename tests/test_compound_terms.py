"""A question's words count as held when a text writes them joined or split ("street lights" / "streetlights")."""

from assistant.abstain import shape_signals
from assistant.terms import evidence_coverage, question_terms, terms_of, with_compounds


def test_joined_words_hold_both_parts_of_the_question():
    terms = question_terms("How many street lights are there on Sheffield's roads?")
    held = with_compounds(terms, terms_of("The total number of streetlights is 72,046."))
    assert {"street", "light"} <= held
    assert "road" not in held


def test_a_joined_question_word_is_held_by_its_parts_written_apart():
    held = with_compounds(question_terms("How many footbridges are there?"), terms_of("There are 12 foot bridges."))
    assert "footbridg" in held  # the stem of "footbridges"


def test_short_fragments_do_not_make_compounds():
    # "a" + "ward" is not "award"; "war" + "dens" is not in the text as a split.
    held = with_compounds(question_terms("Which award did the wardens win?"), terms_of("a ward of the city"))
    assert "award" not in held and "warden" not in held


def test_coverage_and_head_coverage_see_the_compound():
    terms = question_terms("How many street lights are there?")
    assert evidence_coverage(terms, ["The total number of streetlights is 72,046."], {}, 10) == 1.0
    signals = shape_signals("How many street lights are there?", ["The total number of streetlights is 72,046."],
                            [""], {}, 10)
    assert signals["head_coverage"] == 1.0
