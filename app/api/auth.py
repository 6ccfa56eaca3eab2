from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.schemas import TokenRequestSchema, TokenSchema
from app.auth.tokens import issue_token

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Authentication")


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    def post(self, body):
        """Exchange a username and password for a bearer token."""
        token, user = issue_token(body["username"], body["password"])
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": current_app.config["TOKEN_MAX_AGE_SECONDS"],
            "user": {
                "id": user.id,
                "username": user.username,
                "display_name": user.display_name,
                "department_id": user.department_id,
                "roles": sorted(user.role_codes),
            },
        }
