"""The company's pages of a community, through the browser's eyes: editors that show
their errors in the user's language and save nothing half, the audit log with its
filters and pages, escalations, proposals, control items, and another company's
community staying hidden."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation import netiquette
from marketplace.moderation.item_models import (
    ControlItem,
    Decision,
    DecisionAction,
    DecisionStatus,
    EscalationCategory,
)
from marketplace.moderation.models import Community, PenaltyAction, WordKind
from marketplace.work.models import OutgoingEvent
from tests.factories import company_member
from tests.moderation.company_helpers import decided, hire_moderator, make_community


def text(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(page).split())


@dataclass
class Setup:
    community_id: int
    owner_id: int

    @property
    def url(self) -> str:
        return f"/company/communities/{self.community_id}"

    def community(self) -> Community:
        return db.session.get(Community, self.community_id)


def setup(app, login_as, *, locale: str = "en") -> Setup:
    with app.app_context():
        community = make_community()
        owner = community.company.memberships[0].user
        owner.locale = locale
        db.session.commit()
        login_as(owner)
        return Setup(community.id, owner.id)


def rule_form(**changes) -> dict[str, str]:
    return {
        "title_de": "Keine Drohungen",
        "title_en": "No threats",
        "text_de": "",
        "text_en": "",
        "warning_de": "Hallo {author}, bitte keine Drohungen (Regel {rule}).",
        "warning_en": "Hello {author}, no threats please (rule {rule}).",
        **changes,
    }


def test_overview_links_to_every_editor_and_counts_what_waits(app, client, login_as):
    s = setup(app, login_as)
    page = client.get(s.url)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for part in ("netiquette", "ladder", "words", "settings", "audit", "dashboard"):
        assert f'href="{s.url}/{part}"' in body
    assert "5 active rules" in text(page)
    assert "strike 2 → Mute (60 minutes)" in text(page)


def test_a_rule_is_added_and_edited(app, client, login_as):
    s = setup(app, login_as)
    response = client.post(f"{s.url}/netiquette", data=rule_form(), follow_redirects=True)
    assert "Rule 6 is added." in text(response)
    assert "6 No threats" in text(response)
    with app.app_context():
        rule = netiquette.rules_of(s.community())[5]
        rule_id = rule.id
    edit = client.get(f"{s.url}/netiquette/{rule_id}")
    assert "Hello {author}, no threats please" in text(edit)
    client.post(f"{s.url}/netiquette/{rule_id}", data=rule_form(title_en="No threats, ever"))
    with app.app_context():
        assert netiquette.rules_of(s.community())[5].title_en == "No threats, ever"


def test_unknown_placeholder_is_refused_in_english_and_nothing_is_saved(app, client, login_as):
    s = setup(app, login_as)
    response = client.post(
        f"{s.url}/netiquette", data=rule_form(warning_en="Hello {user}, rule {rule}.")
    )
    page = text(response)
    assert "Unknown placeholder {user}. You can use: {author}, {rule}, {community}." in page
    assert 'value="No threats"' in response.get_data(as_text=True)  # the form keeps its input
    with app.app_context():
        assert len(netiquette.rules_of(s.community())) == 5


def test_unknown_placeholder_is_refused_in_german(app, client, login_as):
    s = setup(app, login_as, locale="de")
    response = client.post(f"{s.url}/netiquette", data=rule_form(warning_de="Hallo {name}"))
    assert "Unbekannter Platzhalter {name}." in text(response)
    missing = client.post(f"{s.url}/netiquette", data=rule_form(title_de=""))
    assert "Bitte geben Sie der Regel einen deutschen Titel." in text(missing)


def test_rules_are_reordered_and_deactivated(app, client, login_as):
    s = setup(app, login_as)
    with app.app_context():
        third = netiquette.rules_of(s.community())[2].id
    client.post(f"{s.url}/netiquette/{third}/move", data={"direction": "up"})
    response = client.post(f"{s.url}/netiquette/{third}/active", follow_redirects=True)
    assert "Rule 2 is deactivated: moderators no longer see it." in text(response)
    with app.app_context():
        rules = netiquette.rules_of(s.community())
        assert [r.title_en for r in rules][1] == "No personal data"
        assert not rules[1].is_active
        assert len(netiquette.rules_of(s.community(), active_only=True)) == 4


def ladder_form(rows: list[tuple[str, str, str]]) -> dict[str, str]:
    data = {}
    for index in range(8):
        strike, action, minutes = rows[index] if index < len(rows) else ("", "", "")
        data[f"steps-{index}-strike"] = strike
        data[f"steps-{index}-action"] = action
        data[f"steps-{index}-mute_minutes"] = minutes
    return data


def test_ladder_is_saved(app, client, login_as):
    s = setup(app, login_as)
    page = client.get(f"{s.url}/ladder")
    assert 'name="steps-1-mute_minutes" type="text" value="60"' in page.get_data(as_text=True) or (
        'value="60"' in page.get_data(as_text=True)
    )
    response = client.post(
        f"{s.url}/ladder",
        data=ladder_form([("1", "warn", ""), ("2", "mute", "30"), ("3", "ban_proposal", "")]),
        follow_redirects=True,
    )
    assert "The penalty ladder is saved." in text(response)
    with app.app_context():
        ladder = [(x.strike, x.action, x.mute_minutes) for x in netiquette.ladder_of(s.community())]
    assert ladder == [
        (1, PenaltyAction.WARN, None),
        (2, PenaltyAction.MUTE, 30),
        (3, PenaltyAction.BAN_PROPOSAL, None),
    ]


def test_ladder_errors_in_english_and_german_change_nothing(app, client, login_as):
    s = setup(app, login_as)
    gap = client.post(f"{s.url}/ladder", data=ladder_form([("1", "warn", ""), ("3", "mute", "60")]))
    assert "The strikes must be numbered one after the other from 1" in text(gap)
    no_minutes = client.post(f"{s.url}/ladder", data=ladder_form([("1", "mute", "")]))
    assert "Strike 1 mutes: please say for how many minutes" in text(no_minutes)
    with app.app_context():
        db.session.get(User, s.owner_id).locale = "de"
        db.session.commit()
    german = client.post(f"{s.url}/ladder", data=ladder_form([("2", "warn", "")]))
    assert "Die Verwarnungen müssen fortlaufend ab 1 nummeriert sein" in text(german)
    with app.app_context():
        assert len(netiquette.ladder_of(s.community())) == 4


def test_word_lists_are_normalised_one_per_line(app, client, login_as):
    s = setup(app, login_as)
    response = client.post(
        f"{s.url}/words",
        data={
            "blocked": "  Arschloch\nARSCHLOCH\n\n",
            "suspect": "Spam\nspam\nGratis",
            "disturbing": "",
        },
        follow_redirects=True,
    )
    assert "The word lists are saved." in text(response)
    body = response.get_data(as_text=True)
    assert ">\r\narschloch</textarea>" in body
    assert ">\r\ngratis\nspam</textarea>" in body
    with app.app_context():
        lists = netiquette.words_of(s.community())
    assert lists[WordKind.BLOCKED] == ["arschloch"]
    assert lists[WordKind.SUSPECT] == ["gratis", "spam"]


def settings_form(**changes) -> dict[str, object]:
    return {
        "strike_expiry_days": "30",
        "ban_response_hours": "24",
        "evidence_retention_days": "90",
        "pre_moderation": "y",
        "lease_minutes": "10",
        "disturbing_daily_cap": "10",
        "control_rate_percent": "5",
        "moderators_may": ["remove", "warn", "mute"],
        **changes,
    }


def test_settings_are_saved(app, client, login_as):
    s = setup(app, login_as)
    response = client.post(f"{s.url}/settings", data=settings_form(), follow_redirects=True)
    assert "The settings are saved." in text(response)
    with app.app_context():
        community = s.community()
        assert community.strike_expiry_days == 30 and community.pre_moderation
        assert community.disturbing_daily_cap == 10
        assert community.may_act_alone("mute")


def test_disturbing_cap_cannot_exceed_the_platform_max(app, client, login_as):
    s = setup(app, login_as)
    platform_max = app.config["MODERATION_DISTURBING_DAILY_MAX"]
    page = client.get(f"{s.url}/settings")
    assert f"at most {platform_max}, the platform's limit" in text(page)
    response = client.post(
        f"{s.url}/settings", data=settings_form(disturbing_daily_cap=str(platform_max + 1))
    )
    assert f"The daily cap on disturbing items can be at most {platform_max}" in text(response)
    with app.app_context():
        community = s.community()
        assert community.disturbing_daily_cap == 50  # nothing half-saved:
        assert community.strike_expiry_days == 90 and not community.pre_moderation
    with app.app_context():
        db.session.get(User, s.owner_id).locale = "de"
        db.session.commit()
    german = client.post(f"{s.url}/settings", data=settings_form(disturbing_daily_cap="999"))
    assert f"höchstens {platform_max}" in text(german)


def test_settings_form_errors_are_shown(app, client, login_as):
    s = setup(app, login_as)
    response = client.post(f"{s.url}/settings", data=settings_form(lease_minutes="soon"))
    assert "Please correct the marked fields." in text(response)
    assert "Please enter a whole number." in text(response)


def test_audit_log_filters_by_moderator_and_action_and_pages(app, client, login_as):
    s = setup(app, login_as)
    with app.app_context():
        community = s.community()
        mia = hire_moderator(community, name="Mia Moderator")
        max_ = hire_moderator(community, name="Max Moderator")
        decided(community, mia, DecisionAction.WARN, rule_number=1, pay=False)
        decided(community, max_, DecisionAction.REMOVE, rule_number=2, pay=False)
        for _n in range(50):
            decided(community, max_, DecisionAction.APPROVE, pay=False)
        mia_id = mia.worker_id
    first = client.get(f"{s.url}/audit")
    assert first.get_data(as_text=True).count("data-decision=") == 50
    assert "Next" in text(first)
    second = client.get(f"{s.url}/audit?page=2")
    assert second.get_data(as_text=True).count("data-decision=") == 2
    assert "Mia Moderator Warned 1. Be respectful In force" in text(second)
    by_mia = client.get(f"{s.url}/audit?moderator={mia_id}")
    assert by_mia.get_data(as_text=True).count("data-decision=") == 1
    removals = client.get(f"{s.url}/audit?action=remove")
    assert "Max Moderator Removed 2. No spam or advertising In force" in text(removals)
    assert removals.get_data(as_text=True).count("data-decision=") == 1


def test_escalations_show_category_and_internal_note(app, client, login_as):
    s = setup(app, login_as)
    with app.app_context():
        community = s.community()
        mia = hire_moderator(community)
        decided(
            community,
            mia,
            DecisionAction.ESCALATE,
            category=EscalationCategory.SELF_HARM,
            internal_note="Writes about ending it tonight.",
            pay=False,
        )
    page = text(client.get(f"{s.url}/escalations"))
    assert "Self-harm" in page and "Writes about ending it tonight." in page
    assert "Mia Moderator" in page


def test_proposals_list_shows_what_waits_and_by_when(app, client, login_as):
    s = setup(app, login_as)
    with app.app_context():
        community = s.community()
        mia = hire_moderator(community)
        decided(
            community,
            mia,
            DecisionAction.BAN,
            rule_number=1,
            status=DecisionStatus.PROPOSED,
            respond_by=utcnow() + timedelta(hours=48),
            author_id="u-troll",
            pay=False,
        )
        decided(community, mia, DecisionAction.WARN, rule_number=1, pay=False)
    response = client.get(f"{s.url}/proposals")
    assert response.get_data(as_text=True).count("data-decision=") == 1
    assert "Ban User u-troll 1. Be respectful Mia Moderator" in text(response)
    overview = text(client.get(s.url))
    assert "1 proposals waiting for your answer" in overview


def test_mark_a_decided_item_as_control_then_stop_serving_it(app, client, login_as):
    s = setup(app, login_as)
    with app.app_context():
        community = s.community()
        mia = hire_moderator(community)
        decision = decided(community, mia, DecisionAction.REMOVE, rule_number=2, pay=False)
        item_id = decision.item_id
        rule_id = decision.rule_id
    audit = client.get(f"{s.url}/audit").get_data(as_text=True)
    assert f"{s.url}/items/{item_id}/control" in audit
    missing_rule = client.post(
        f"{s.url}/items/{item_id}/control", data={"expected_action": "remove", "expected_rule": "0"}
    )
    assert "Please choose the rule the item breaks." in text(missing_rule)
    response = client.post(
        f"{s.url}/items/{item_id}/control",
        data={"expected_action": "remove", "expected_rule": str(rule_id)},
        follow_redirects=True,
    )
    page = text(response)
    assert "The item is a control item now." in page
    assert "Removed 2. No spam or advertising served" in page
    with app.app_context():
        control = db.session.scalar(sa.select(ControlItem))
        control_id = control.id
    response = client.post(f"{s.url}/controls/{control_id}/deactivate", follow_redirects=True)
    assert "no longer served" in text(response)
    with app.app_context():
        assert db.session.get(ControlItem, control_id).is_active is False


def test_another_company_sees_none_of_it(app, client, login_as):
    with app.app_context():
        community = make_community()
        community_id = community.id
        login_as(company_member())
    for path in ("", "/netiquette", "/ladder", "/words", "/settings", "/audit", "/dashboard"):
        assert client.get(f"/company/communities/{community_id}{path}").status_code == 404


def test_only_decided_real_items_become_control_items_with_a_rule_of_their_community(db):
    import pytest

    from marketplace.errors import DomainError
    from marketplace.moderation import controls
    from tests.moderation.company_helpers import item

    community = make_community()
    other = make_community(name="Other lobby")
    owner = community.company.memberships[0].user
    mia = hire_moderator(community)
    waiting = item(community)
    with pytest.raises(DomainError, match="Only a decided item"):
        controls.mark_control(
            waiting, expected_action=DecisionAction.APPROVE, expected_rule=None, by=owner
        )
    removal = decided(community, mia, DecisionAction.REMOVE, rule_number=1, pay=False)
    foreign_rule = netiquette.rules_of(other)[0]
    with pytest.raises(DomainError, match="one of your community's rules"):
        controls.mark_control(
            removal.item, expected_action=DecisionAction.REMOVE, expected_rule=foreign_rule,
            by=owner,
        )  # fmt: skip
    control = controls.mark_control(
        removal.item, expected_action=DecisionAction.APPROVE, expected_rule=removal.rule, by=owner
    )
    assert control.expected_rule_id is None  # an approval breaks no rule
    controls.deactivate(control)
    again = controls.mark_control(
        removal.item, expected_action=DecisionAction.REMOVE, expected_rule=removal.rule, by=owner
    )
    assert again.id == control.id and again.is_active
    assert again.expected_action == DecisionAction.REMOVE


def _proposal(s: Setup) -> int:
    community = s.community()
    mia = hire_moderator(community)
    decision = decided(
        community,
        mia,
        DecisionAction.BAN,
        rule_number=1,
        status=DecisionStatus.PROPOSED,
        respond_by=utcnow() + timedelta(hours=48),
        author_id="u-troll",
        pay=False,
    )
    return decision.id


def test_confirming_a_ban_proposal_puts_it_in_force_and_tells_the_community(app, client, login_as):
    s = setup(app, login_as)
    with app.app_context():
        decision_id = _proposal(s)
    response = client.post(f"{s.url}/proposals/{decision_id}/confirm", follow_redirects=True)
    page = text(response)
    assert "The measure is in force and sent to your community." in page
    assert "No proposals are waiting for you." in page
    with app.app_context():
        decision = db.session.get(Decision, decision_id)
        assert decision.status == DecisionStatus.EFFECTIVE
        assert decision.answered_by_id == s.owner_id
        events = db.session.scalars(sa.select(OutgoingEvent)).all()
        assert [event.type for event in events] == ["decision.created"]
    audit = text(client.get(f"{s.url}/audit"))
    assert "Ban 1. Be respectful In force" in audit


def test_declining_needs_a_reason_and_tells_the_moderator(app, client, login_as, smtp_sink):
    s = setup(app, login_as)
    with app.app_context():
        decision_id = _proposal(s)
    refused = client.post(
        f"{s.url}/proposals/{decision_id}/decline", data={"reason": " "}, follow_redirects=True
    )
    assert "Please give a reason." in text(refused)
    with app.app_context():
        assert db.session.get(Decision, decision_id).status == DecisionStatus.PROPOSED
    response = client.post(
        f"{s.url}/proposals/{decision_id}/decline",
        data={"reason": "One insult is not enough for a ban."},
        follow_redirects=True,
    )
    assert "The proposal is declined; the moderator is told why." in text(response)
    with app.app_context():
        decision = db.session.get(Decision, decision_id)
        assert decision.status == DecisionStatus.DECLINED
        assert decision.answer_reason == "One insult is not enough for a ban."
        moderator_email = decision.decided_by.email
        assert db.session.scalars(sa.select(OutgoingEvent)).all() == []
    told = smtp_sink.to(moderator_email)
    assert (
        len(told) == 1 and "One insult is not enough for a ban." in told[0].get_body().get_content()
    )
    again = client.post(f"{s.url}/proposals/{decision_id}/confirm", follow_redirects=True)
    assert "This is not possible right now" in text(again)


def test_a_proposal_past_its_time_cannot_be_confirmed(app, client, login_as):
    s = setup(app, login_as)
    with app.app_context():
        decision_id = _proposal(s)
        db.session.get(Decision, decision_id).respond_by = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = client.post(f"{s.url}/proposals/{decision_id}/confirm", follow_redirects=True)
    assert "The time to answer this proposal has run out." in text(response)
    with app.app_context():
        assert db.session.get(Decision, decision_id).status == DecisionStatus.PROPOSED
        assert db.session.scalars(sa.select(OutgoingEvent)).all() == []
