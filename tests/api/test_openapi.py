import json

from app.forms.registry import load_forms


def test_openapi_lists_one_endpoint_per_action_with_its_form_schema(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    forms = load_forms(app.config["FORMS_DIR"])
    for name, specs in forms.actions.items():
        operation = spec["paths"][f"/api/v1/cases/{{case_id}}/{name.replace('_', '-')}"]["post"]
        assert operation["security"] == [{"bearerAuth": []}]
        for action in specs:
            assert (
                json.dumps(action.schema, ensure_ascii=False, indent=2) in operation["description"]
            )
    assert "/api/v1/auth/token" in spec["paths"]
    assert "/api/v1/inbox" in spec["paths"]
