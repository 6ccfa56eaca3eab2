from __future__ import annotations

from flask.views import MethodView

from app.api.blueprint import Blueprint
from app.api.schemas import InboxArgsSchema, InboxPageSchema
from app.auth.tokens import current_user
from app.cases import queries

blp = Blueprint("inbox", __name__, url_prefix="/api/v1/inbox", description="My inbox")


@blp.route("")
class Inbox(MethodView):
    @blp.arguments(InboxArgsSchema, location="query")
    @blp.response(200, InboxPageSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self, args):
        """Open tasks of my department that I may act on, most urgent first."""
        return queries.inbox(current_user(), args)
