from __future__ import annotations

from flask import current_app, jsonify, request
from flask.views import MethodView

from app.api.blueprint import Blueprint
from app.api.schemas import TokenRequestSchema, TokenSchema
from app.auth.login import TooManyAttempts, authenticate
from app.auth.tokens import issue_token

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Authentication")


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="wrong username or password: `bad_credentials`")
    @blp.alt_response(
        429,
        description="too many failed logins for this username or from this address: "
        "`too_many_attempts`, with Retry-After",
    )
    def post(self, body):
        """Exchange a username and password for a bearer token."""
        user = authenticate(body["username"], body["password"], request.remote_addr or "")
        return {
            "access_token": issue_token(user),
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


@blp.errorhandler(TooManyAttempts)
def too_many_attempts(exc: TooManyAttempts):
    # The one error that carries a header; the app's DomainError handler would drop it.
    return jsonify(exc.to_dict()), exc.status, {"Retry-After": str(exc.retry_after)}
