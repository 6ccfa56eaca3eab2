def test_accept_and_answer_at_intake(api):
    body = api.create(answered=True, answer="已当场答复")
    assert body["created"] is True
    detail = api.get(body["id"])
    assert detail["status"]["zh"] == "办结"
