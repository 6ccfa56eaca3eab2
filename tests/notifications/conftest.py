"""The message centre's tests sign the test client in as the pages' tests do. (Its browser
test lives in tests/pages, beside the session's one browser and live server.)"""

from tests.pages.conftest import page_login  # noqa: F401
