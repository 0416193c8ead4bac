"""The community's netiquette as the company edits it (moderation/netiquette.py):
rules with checked placeholders, the ladder, word lists, settings and defaults."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.errors import DomainError
from marketplace.extensions import db as _db
from marketplace.moderation import netiquette
from marketplace.moderation.models import ModeratorAction, PenaltyAction, WordEntry, WordKind
from tests.moderation.company_helpers import make_community


def _rule(**changes) -> netiquette.RuleText:
    fields = {
        "title_de": "Keine Drohungen",
        "title_en": "No threats",
        "text_de": "",
        "text_en": "",
        "warning_de": "Hallo {author}, Regel {rule} von {community}.",
        "warning_en": "Hello {author}, rule {rule} of {community}.",
    }
    return netiquette.RuleText(**{**fields, **changes})


def test_defaults_give_rules_in_both_languages_a_ladder_and_suspect_words(db):
    community = make_community()
    rules = netiquette.rules_of(community)
    assert [rule.number for rule in rules] == [1, 2, 3, 4, 5]
    assert rules[0].title_de == "Respektvoller Umgang" and rules[0].title_en == "Be respectful"
    assert all("{author}" in rule.warning_de and "{rule}" in rule.warning_en for rule in rules)
    ladder = [(s.strike, s.action, s.mute_minutes) for s in netiquette.ladder_of(community)]
    assert ladder == [
        (1, PenaltyAction.WARN, None),
        (2, PenaltyAction.MUTE, 60),
        (3, PenaltyAction.MUTE, 1440),
        (4, PenaltyAction.BAN_PROPOSAL, None),
    ]
    assert "idiot" in netiquette.words_of(community)[WordKind.SUSPECT]
    netiquette.install_defaults(community)  # twice changes nothing
    assert len(netiquette.rules_of(community)) == 5


def test_a_new_rule_is_numbered_after_the_last_and_unknown_placeholders_are_refused(db):
    community = make_community()
    rule = netiquette.add_rule(community, _rule())
    assert rule.number == 6
    with pytest.raises(DomainError, match=r"Unknown placeholder \{name\}"):
        netiquette.add_rule(community, _rule(warning_en="Hello {name}"))
    with pytest.raises(DomainError, match="title in German and in English"):
        netiquette.add_rule(community, _rule(title_de="  "))
    assert len(netiquette.rules_of(community)) == 6


def test_fill_warning_names_author_rule_and_community():
    text = netiquette.fill_warning(
        "Hallo {author}, Regel {rule} von {community}.", author="Anna", rule="2", community="Lobby"
    )
    assert text == "Hallo Anna, Regel 2 von Lobby."


def test_rules_move_up_and_down_and_can_be_deactivated(db):
    community = make_community()
    rules = netiquette.rules_of(community)
    netiquette.move_rule(rules[2], -1)
    assert [r.title_en for r in netiquette.rules_of(community)][1:3] == [
        "No personal data",
        "No spam or advertising",
    ]
    netiquette.move_rule(netiquette.rules_of(community)[0], -1)  # the first stays first
    assert netiquette.rules_of(community)[0].title_en == "Be respectful"
    netiquette.set_active(rules[4], False)
    assert len(netiquette.rules_of(community, active_only=True)) == 4


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([], "at least one step"),
        ([(1, "warn", None), (3, "mute", 60)], "one after the other from 1"),
        ([(2, "warn", None)], "one after the other from 1"),
        ([(1, "warn", None), (1, "mute", 60)], "one after the other from 1"),
        ([(1, "mute", None)], "how many minutes"),
        ([(1, "mute", 0)], "how many minutes"),
    ],
)
def test_ladder_validation(db, steps, message):
    community = make_community()
    with pytest.raises(DomainError, match=message):
        netiquette.save_ladder(
            community, [netiquette.Step(s, PenaltyAction(a), m) for s, a, m in steps]
        )
    assert len(netiquette.ladder_of(community)) == 4  # unchanged


def test_ladder_is_replaced_and_minutes_only_kept_for_mutes(db):
    community = make_community()
    netiquette.save_ladder(
        community,
        [
            netiquette.Step(2, PenaltyAction.BAN_PROPOSAL, 30),
            netiquette.Step(1, PenaltyAction.MUTE, 15),
        ],
    )
    ladder = [(s.strike, s.action, s.mute_minutes) for s in netiquette.ladder_of(community)]
    assert ladder == [(1, PenaltyAction.MUTE, 15), (2, PenaltyAction.BAN_PROPOSAL, None)]


def test_word_lists_are_lower_cased_trimmed_and_deduplicated(db):
    community = make_community(defaults=False)
    lists = netiquette.save_word_lists(
        community,
        {
            WordKind.BLOCKED: "  Idiot \nIDIOT\n\nfree   Money\n",
            WordKind.SUSPECT: "spam\r\nSpam",
            WordKind.DISTURBING: "",
        },
    )
    assert lists[WordKind.BLOCKED] == ["free money", "idiot"]
    assert lists[WordKind.SUSPECT] == ["spam"]


def test_a_word_on_two_lists_is_refused_and_nothing_changes(db):
    community = make_community(defaults=False)
    netiquette.save_word_lists(community, {WordKind.SUSPECT: "spam"})
    _db.session.commit()
    with pytest.raises(DomainError, match="“idiot” is on two lists"):
        netiquette.save_word_lists(
            community, {WordKind.BLOCKED: "idiot", WordKind.SUSPECT: "Idiot\nspam"}
        )
    _db.session.rollback()
    assert netiquette.words_of(community)[WordKind.SUSPECT] == ["spam"]


def test_a_word_moved_to_another_list_keeps_its_false_positive_count(db):
    community = make_community(defaults=False)
    netiquette.save_word_lists(community, {WordKind.SUSPECT: "spam"})
    entry = _db.session.scalar(sa.select(WordEntry).where(WordEntry.word == "spam"))
    entry.false_positives = 3
    netiquette.save_word_lists(community, {WordKind.SUSPECT: "", WordKind.BLOCKED: "spam"})
    assert entry.kind == WordKind.BLOCKED and entry.false_positives == 3


def _settings(**changes) -> netiquette.Settings:
    values = {
        "strike_expiry_days": 30,
        "ban_response_hours": 24,
        "evidence_retention_days": 90,
        "pre_moderation": True,
        "lease_minutes": 10,
        "disturbing_daily_cap": 20,
        "control_rate_percent": 10,
        "moderators_may": ["mute", "warn"],
    }
    return netiquette.Settings(**{**values, **changes})


def test_settings_are_saved(db):
    community = make_community()
    netiquette.save_settings(community, _settings())
    assert community.strike_expiry_days == 30 and community.pre_moderation is True
    assert community.disturbing_daily_cap == 20
    assert community.moderators_may == [ModeratorAction.WARN, ModeratorAction.MUTE]
    assert community.may_act_alone("mute") and not community.may_act_alone("remove")


def test_disturbing_cap_may_be_lowered_but_never_raised_past_the_platform_max(app, db):
    community = make_community()
    platform_max = app.config["MODERATION_DISTURBING_DAILY_MAX"]
    with pytest.raises(DomainError, match=f"at most {platform_max}"):
        netiquette.save_settings(community, _settings(disturbing_daily_cap=platform_max + 1))
    assert community.disturbing_daily_cap == 50 and community.strike_expiry_days == 90
    netiquette.save_settings(community, _settings(disturbing_daily_cap=platform_max))
    assert community.disturbing_daily_cap == platform_max


def test_settings_out_of_range_and_bans_alone_are_refused(db):
    community = make_community()
    with pytest.raises(DomainError, match="between 1 and 120"):
        netiquette.save_settings(community, _settings(lease_minutes=0))
    with pytest.raises(DomainError, match="remove, warn or mute alone"):
        netiquette.save_settings(community, _settings(moderators_may=["ban"]))
    assert community.lease_minutes == 5


def test_a_newly_connected_community_starts_with_the_defaults(db):
    from tests.moderation.io_helpers import connected

    community, _token = connected()
    assert [rule.title_de for rule in netiquette.rules_of(community)][:2] == [
        "Respektvoller Umgang",
        "Kein Spam und keine Werbung",
    ]
    assert len(netiquette.ladder_of(community)) == 4
