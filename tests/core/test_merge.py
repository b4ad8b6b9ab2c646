"""core.merge: a save from a stale page keeps both people's changes where
they differ, and names the fields where they clash."""

import pytest

from core import merge


def shown(state):
    return merge.parse_fingerprint(merge.fingerprint(state))


BASE = {"title": "Audit", "description": "First draft", "capability:4": ""}


def test_a_field_only_this_page_changed_is_saved():
    assert merge.merge(shown=shown(BASE), stored=BASE, submitted=BASE | {"title": "Sepsis audit"}) == (
        BASE | {"title": "Sepsis audit"}
    )


def test_a_field_only_the_other_tab_changed_is_kept():
    stored = BASE | {"description": "Second draft"}
    assert merge.merge(shown=shown(BASE), stored=stored, submitted=BASE | {"title": "Sepsis audit"}) == (
        BASE | {"title": "Sepsis audit", "description": "Second draft"}
    )


def test_links_added_or_removed_in_each_tab_are_all_kept():
    stored = {key: value for key, value in BASE.items() if key != "capability:4"} | {"capability:9": ""}
    submitted = BASE | {"capability:12": "Led the change"}
    assert merge.merge(shown=shown(BASE), stored=stored, submitted=submitted) == {
        "title": "Audit", "description": "First draft", "capability:9": "", "capability:12": "Led the change",
    }


def test_the_same_change_in_both_is_no_clash():
    both = BASE | {"title": "Sepsis audit"}
    assert merge.merge(shown=shown(BASE), stored=both, submitted=both) == both


def test_different_changes_to_one_field_clash_and_name_it():
    with pytest.raises(merge.EditConflict) as raised:
        merge.merge(shown=shown(BASE), stored=BASE | {"title": "Theirs"}, submitted=BASE | {"title": "Mine"})
    assert raised.value.fields == ["title"]
    assert raised.value.current["title"] == "Theirs"


def test_saving_again_from_the_conflict_page_overwrites():
    stored = BASE | {"title": "Theirs"}
    again = merge.parse_fingerprint(merge.fingerprint(stored))
    assert merge.merge(shown=again, stored=stored, submitted=BASE | {"title": "Mine"})["title"] == "Mine"


@pytest.mark.parametrize("posted", [None, "", "not json", "[1, 2]", '{"title": 3}'])
def test_a_missing_or_forged_fingerprint_overwrites_as_saves_always_did(posted):
    assert merge.parse_fingerprint(posted) is None
    assert merge.merge(shown=None, stored=BASE | {"title": "Theirs"}, submitted=BASE) == BASE
