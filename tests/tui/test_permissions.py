"""A token file other users can read is tightened when the picker reads it, and the user is
told in a notification (the CLI prints the same line on stderr)."""

from __future__ import annotations

import stat

import pytest

from ssotui.core.tokencache import TokenCache
from ssotui.tui.picker.screen import PickerScreen

from .conftest import make_app, notifications, sign_in, wait_for

pytestmark = pytest.mark.faults


async def test_loose_token_file_is_tightened_with_a_notification(emulator, sso_session, fakes):
    sign_in(emulator, sso_session)
    path = TokenCache(sso_session).token_path
    path.chmod(0o644)
    path.parent.chmod(0o755)
    messages: list = []
    app = make_app(sso_session, fakes)
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen), what="the picker")
        await wait_for(pilot, lambda: notifications(messages), what="a notification")
        [text] = notifications(messages)
        assert str(path) in text and "tightened" in text
        assert "0644 -> 0600" in text and "directory" not in text
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o755  # the AWS CLI's mode, kept
