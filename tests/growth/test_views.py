"""The worker's "My levels" in German, and the company's offer form: the rate of the
worker's level is suggested, and a waiting offer holds the next one back."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.growth import gig_levels, levels, offers
from marketplace.growth.gig_levels import LevelSettings
from marketplace.growth.models import Level, OfferKind
from tests.growth.helpers import decided_units
from tests.payments.helpers import hired


def test_my_levels_in_german_explain_the_facts_and_what_is_missing(app, client, login_as):
    with app.app_context():
        engagement = hired(rate_cents=80)
        decided_units(engagement, approved=46, rejected=4)  # 92 % of 50
        levels.recompute()
        engagement.worker.locale = "de"
        db.session.commit()
        login_as(engagement.worker)
    page = client.get("/account/levels").get_data(as_text=True)
    assert 'E-Mails beantworten: <span class="level-name">Neu</span>' in page
    assert "92 % (46 von 50)" in page
    assert "Was für „Erfahren“ fehlt" in page
    assert "<li>noch 4 freigegebene Einheiten</li>" in page


def test_offer_form_suggests_the_level_rate_and_waits_for_an_answer(app, client, login_as):
    with app.app_context():
        engagement = hired(rate_cents=80)
        owner = engagement.gig.company.memberships[0].user
        decided_units(engagement, approved=60)
        levels.recompute()
        gig_levels.save(engagement.gig, LevelSettings(Level.NEW, 95, None), by=owner)
        db.session.commit()
        engagement_id = engagement.id
        login_as(owner)
    url = f"/company/engagements/{engagement_id}/offers"
    page = client.get(url).get_data(as_text=True)
    assert 'name="rate" type="text" value="0,95"' in page or 'value="0.95"' in page
    with app.app_context():
        engagement = db.session.get(type(engagement), engagement_id)
        owner = engagement.gig.company.memberships[0].user
        offers.make_offer(
            engagement, offers.OfferTerms(OfferKind.HIGHER_RATE, rate_cents=95), by=owner
        )
        db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "An offer is waiting for the worker" in page and "Send offer" not in page
