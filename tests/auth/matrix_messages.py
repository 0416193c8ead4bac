"""Authorization matrix, part: conversations (messaging/views.py, messaging/admin_views.py).

test_matrix.py merges every part and fails for a route without a line. Only the two
parties see a conversation: ``w.thread`` is between the world's seeker and ``company``;
admins read only ``w.reported_thread`` (another seeker's, reported).
"""

from __future__ import annotations

from tests.auth.matrix_common import ADMIN_ONLY, LOGIN, NF, OK, Expectations

PARTIES = {"anonymous": LOGIN, "seeker": OK, "other_company": NF, "company": OK, "admin": NF}
HAVE_CONVERSATIONS = {**PARTIES, "other_company": OK}

MESSAGES: Expectations = {
    ("messages.inbox", "GET"): (lambda w: "/messages?page=2", HAVE_CONVERSATIONS),
    ("messages.thread", "GET"): (lambda w: f"/messages/{w.application.id}", PARTIES),
    ("messages.send", "POST"): (lambda w: f"/messages/{w.application.id}/send", PARTIES),
    ("messages.report", "POST"): (lambda w: f"/messages/{w.application.id}/report", PARTIES),
    ("messages_admin.reported", "GET"): (
        lambda w: "/admin/conversations/?status=handled",
        ADMIN_ONLY,
    ),
    ("messages_admin.thread", "GET"): (
        lambda w: f"/admin/conversations/{w.reported_thread.id}",
        ADMIN_ONLY,
    ),
    ("messages_admin.handle", "POST"): (
        lambda w: f"/admin/conversations/reports/{w.thread_report.id}/handle",
        ADMIN_ONLY,
    ),
}

# (name, method, url, expectations): the conversations nobody but its parties may see.
HIDDEN_CONVERSATIONS = [
    ("another seeker's conversation", "GET", lambda w: f"/messages/{w.engagement.application_id}",
     {**PARTIES, "seeker": NF}),
    ("writing into another seeker's conversation", "POST",
     lambda w: f"/messages/{w.engagement.application_id}/send", {**PARTIES, "seeker": NF}),
    ("a conversation nobody reported, for admins", "GET",
     lambda w: f"/admin/conversations/{w.thread.id}", {**ADMIN_ONLY, "admin": NF}),
    ("unknown conversation", "GET", lambda w: "/messages/999999",
     {**PARTIES, "seeker": NF, "company": NF}),
]  # fmt: skip
