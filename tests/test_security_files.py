"""Files only in places that are really private, and files that other tools sharing ~/.aws can
live with: directories checked with lstat (ours, not a symlink, not writable by others), every
directory created 0700 whatever the umask, no lock or leftover temp file in the AWS CLI's token
cache, the CLI's 0755 directory left alone, writes through a symlinked config, and a config that
botocore can read under an ASCII locale."""

from __future__ import annotations

import json
import os
import pwd
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import START_URL
from helpers import assert_one_line_error, run_ssotui, sign_in

from ssotui.core import paths, timeutil
from ssotui.core.config import add_sso_session, load_config
from ssotui.core.credcache import CredentialCache, cache_directory
from ssotui.core.errors import ConfigError, SsoError
from ssotui.core.models import Assignment, RoleCredentials, SsoSession
from ssotui.core.picks import Picks, PickStore
from ssotui.core.profiles import plan_profiles
from ssotui.core.tokencache import TokenCache

NOBODY = pwd.getpwnam("nobody").pw_uid
SESSION = SsoSession(name="corp", start_url=START_URL, region="us-east-1")
needs_root = pytest.mark.skipif(os.getuid() != 0, reason="chown to another user needs root")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def role_creds(account: str = "111122223333", role: str = "Admin") -> RoleCredentials:
    return RoleCredentials(
        account_id=account,
        role_name=role,
        access_key_id="ASIAEMUTEST",
        secret_access_key="secret-value",
        session_token="session-token-value",
        expiration=timeutil.utcnow() + timedelta(hours=1),
    )


def someone_elses(path: Path, dir_mode: int = 0o755) -> Path:
    path.mkdir(parents=True)
    path.chmod(dir_mode)
    os.chown(path, NOBODY, NOBODY)
    return path


def loose(path: Path) -> Path:
    path.mkdir(parents=True)
    path.chmod(0o777)
    return path


def symlinked(path: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    target.chmod(0o700)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target, target_is_directory=True)
    return path


# -- directories that would hold secrets --------------------------------------------------------


@needs_root
def test_private_dir_refuses_another_users_directory(tmp_path):
    target = someone_elses(tmp_path / "planted")
    with pytest.raises(SsoError, match="belongs to another user") as caught:
        paths.private_dir(target)
    assert "\n" not in str(caught.value)
    assert os.stat(target).st_uid == NOBODY and mode(target) == 0o755  # left as it was


def test_private_dir_refuses_a_directory_others_can_write_and_a_symlink(tmp_path):
    with pytest.raises(SsoError, match=r"other users \(mode 0777\).*chmod 700"):
        paths.private_dir(loose(tmp_path / "open"))
    assert mode(tmp_path / "open") == 0o777  # not quietly "fixed": files may be planted in it
    link = symlinked(tmp_path / "link", tmp_path / "elsewhere")
    with pytest.raises(SsoError, match="symbolic link"):
        paths.private_dir(link)


def test_favorites_are_not_written_into_an_open_directory_and_the_picker_goes_on(tmp_path):
    open_dir = loose(tmp_path / "data")
    store = PickStore(open_dir / "picks.json")
    saved = store.save(SESSION.cache_key, Picks(favorites=(("111122223333", "Admin"),)))
    assert list(open_dir.iterdir()) == []
    assert saved is False  # logged; no exception reaches the picker


def test_private_dir_makes_an_only_readable_directory_of_ours_private(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d").chmod(0o755)
    assert paths.private_dir(tmp_path / "d") == tmp_path / "d"
    assert mode(tmp_path / "d") == 0o700


@needs_root
def test_credential_process_refuses_a_planted_credentials_directory(emulator, sso_session):
    """Another user made the credentials cache directory: the CLI says so in one line and
    writes no secret into it."""
    sign_in(emulator, sso_session)
    planted = someone_elses(cache_directory(), 0o777)
    account = emulator.org.accounts[0]
    proc = run_ssotui("credential-process", account.account_id, account.roles[0])
    assert_one_line_error(proc, str(planted), "another user")
    assert proc.stdout == ""
    assert list(planted.iterdir()) == []


def test_token_cache_refuses_a_symlinked_or_open_directory(tmp_path):
    token = sign_in_token()
    link = symlinked(tmp_path / "sso" / "cache", tmp_path / "attacker")
    with pytest.raises(SsoError, match="symbolic link"):
        TokenCache(SESSION, link).save_token(token)
    assert list((tmp_path / "attacker").iterdir()) == []
    with pytest.raises(SsoError, match="other users"):
        TokenCache(SESSION, loose(tmp_path / "open")).save_token(token)
    assert list((tmp_path / "open").iterdir()) == []


@needs_root
def test_the_lock_directory_is_checked_too(tmp_path):
    planted = someone_elses(paths.cache_dir() / "locks")
    with pytest.raises(SsoError, match="another user"):
        with TokenCache(SESSION, tmp_path / "sso").lock():
            pass
    assert list(planted.iterdir()) == []


def sign_in_token():
    from ssotui.core.tokens import Token

    return Token(
        start_url=START_URL,
        region="us-east-1",
        access_token="aoa-access",
        expires_at=timeutil.utcnow() + timedelta(hours=1),
        refresh_token="aor-refresh",
    )


def _own_group_is_private() -> bool:
    import grp

    user = pwd.getpwuid(os.getuid())
    group = grp.getgrgid(user.pw_gid)
    return group.gr_name == user.pw_name and set(group.gr_mem) <= {user.pw_name}


@pytest.mark.skipif(not _own_group_is_private(), reason="needs a user private group")
def test_umask_002_directory_in_the_users_own_group_is_accepted_and_kept(tmp_path):
    """Debian and Ubuntu: umask 002 and a group per user, so `aws sso login` leaves 0775."""
    directory = tmp_path / "sso-cache"
    directory.mkdir()
    directory.chmod(0o775)
    TokenCache(SESSION, directory).save_token(sign_in_token())
    assert mode(directory) == 0o775


@needs_root
def test_a_directory_writable_by_a_shared_group_is_refused(tmp_path):
    directory = tmp_path / "sso-cache"
    directory.mkdir()
    directory.chmod(0o775)
    os.chown(directory, os.getuid(), NOBODY)  # group nogroup: not the user's own
    with pytest.raises(SsoError, match=r"mode 0775.*chmod 755"):
        TokenCache(SESSION, directory).save_token(sign_in_token())
    assert list(directory.iterdir()) == []


# -- umask --------------------------------------------------------------------------------------


def test_every_directory_ssotui_creates_is_private_under_umask_000(home):
    """umask 000 would make mkdir(parents=True)'s parents 0777 (~/.aws, ~/.aws/sso, ...)."""
    old = os.umask(0)
    try:
        cache = TokenCache(SESSION)
        cache.save_token(sign_in_token())
        CredentialCache(SESSION).save(role_creds())
        PickStore().save(SESSION.cache_key, Picks(favorites=(("111122223333", "Admin"),)))
        add_sso_session("corp", START_URL, "us-east-1")
    finally:
        os.umask(old)
    created = [Path(root) for root, _dirs, _files in os.walk(home) if Path(root) != home]
    assert {path: oct(mode(path)) for path in created} == {path: "0o700" for path in created}
    for path in (home / ".aws" / "sso" / "cache", cache_directory(), paths.data_dir()):
        assert path in created
    assert paths.cache_dir() / "locks" in created


# -- leftover temp files ------------------------------------------------------------------------


def leftover(directory: Path, name: str, *, stale: bool = True) -> Path:
    path = directory / name
    path.write_text('{"secret": "left by a killed write"}')
    path.chmod(0o600)
    if stale:
        os.utime(path, (1_000_000_000, 1_000_000_000))
    return path


def test_logout_removes_our_temp_files_and_no_other_tools(emulator, sso_session):
    sign_in(emulator, sso_session)
    tokens = TokenCache(sso_session)
    ours = leftover(tokens.directory, f".{tokens.token_path.name}.abc12345.tmp", stale=False)
    ours_reg = leftover(tokens.directory, f".{tokens.registration_path.name}.x1y2z3w4.tmp")
    botocores = leftover(tokens.directory, "tmpk2j3h4g5.tmp")  # botocore's JSONFileCache
    another_session = leftover(tokens.directory, ".0123456789abcdef.json.abc12345.tmp")
    creds = CredentialCache(sso_session)
    creds.save(role_creds())
    entry = creds.path("111122223333", "Admin")
    creds_tmp = leftover(creds.directory, f".{entry.name}.qwertyui.tmp", stale=False)
    other_creds = CredentialCache(SsoSession("other", START_URL, "us-east-1"))
    other_fresh = leftover(
        creds.directory, f".{other_creds.path('1', 'R').name}.asdfghjk.tmp", stale=False
    )
    other_stale = leftover(creds.directory, f".{other_creds.path('2', 'R').name}.zxcvbnm1.tmp")

    proc = run_ssotui("logout")
    assert proc.returncode == 0, proc.stderr
    for path in (ours, ours_reg, creds_tmp, other_stale, entry):
        assert not path.exists(), path
    for path in (botocores, another_session, other_fresh):
        assert path.exists(), path


def test_the_next_write_removes_stale_temp_files(tmp_path):
    tokens = TokenCache(SESSION, tmp_path / "sso")
    tokens.save_token(sign_in_token())
    ours = leftover(tokens.directory, f".{tokens.token_path.name}.abc12345.tmp")
    theirs = leftover(tokens.directory, "tmpk2j3h4g5.tmp")
    tokens.save_token(sign_in_token())
    assert not ours.exists() and theirs.exists()

    creds = CredentialCache(SESSION, tmp_path / "credentials")
    creds.save(role_creds())
    stale = leftover(creds.directory, f".{creds.path('1', 'R').name}.abc12345.tmp")
    fresh = leftover(creds.directory, f".{creds.path('2', 'R').name}.def67890.tmp", stale=False)
    creds.save(role_creds(role="ReadOnly"))
    assert not stale.exists()
    assert fresh.exists()  # may be another process's write in progress


# -- the AWS CLI's token cache directory --------------------------------------------------------


def aws2_wrap_reads(directory: Path) -> None:
    """What aws2-wrap does: json.load every file in ~/.aws/sso/cache."""
    for path in directory.iterdir():
        with path.open(encoding="utf-8") as handle:
            json.load(handle)


def test_login_refresh_and_logout_leave_only_json_in_the_sso_cache(emulator, sso_session):
    directory = TokenCache(sso_session).directory
    emulator.approve_after = 0.2
    login = run_ssotui("login", "--no-browser")
    assert login.returncode == 0, login.stderr
    assert [p.suffix for p in directory.iterdir()] == [".json", ".json"]  # token, registration
    aws2_wrap_reads(directory)

    # a token with a minute left is refreshed by the next command
    before = sign_in(emulator, sso_session, expires_at=timeutil.utcnow() + timedelta(minutes=1))
    listed = run_ssotui("list", "--refresh")
    assert listed.returncode == 0, listed.stderr
    assert TokenCache(sso_session).load_token().access_token != before.access_token
    assert all(p.suffix == ".json" for p in directory.iterdir())
    aws2_wrap_reads(directory)

    assert run_ssotui("logout").returncode == 0
    assert all(p.suffix == ".json" for p in directory.iterdir())
    aws2_wrap_reads(directory)


def test_an_old_versions_lock_file_is_removed(tmp_path):
    tokens = TokenCache(SESSION, tmp_path / "sso")
    (tmp_path / "sso").mkdir()
    old_lock = tmp_path / "sso" / f".ssotui-{tokens.token_path.stem}.lock"
    old_lock.write_text("")
    tokens.save_token(sign_in_token())
    assert sorted(p.name for p in (tmp_path / "sso").iterdir()) == [tokens.token_path.name]


def test_the_aws_clis_0755_directory_is_no_false_alarm(emulator, sso_session):
    sign_in(emulator, sso_session)
    cache = TokenCache(sso_session)
    cache.directory.chmod(0o755)  # as `aws sso login` makes it, with 0600 files
    proc = run_ssotui("list", "--refresh")  # reads the token
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr
    assert mode(cache.directory) == 0o755

    cache.token_path.chmod(0o644)  # a token file others can read is still tightened
    proc = run_ssotui("list", "--refresh")
    [line] = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert str(cache.token_path) in line and "0644 -> 0600" in line
    assert mode(cache.token_path) == 0o600 and mode(cache.directory) == 0o755


# -- the AWS config -----------------------------------------------------------------------------


def test_first_run_append_writes_through_a_symlinked_config(tmp_path):
    real = tmp_path / "dotfiles" / "aws-config"
    real.parent.mkdir()
    real.write_text("[default]\nregion = eu-west-1\n")
    real.chmod(0o640)
    link = tmp_path / "aws" / "config"
    link.parent.mkdir()
    link.symlink_to(real)
    add_sso_session("corp", START_URL, "us-east-1", path=link)
    assert link.is_symlink() and link.resolve() == real
    text = real.read_text()
    assert text.startswith("[default]\nregion = eu-west-1\n") and "[sso-session corp]" in text
    assert mode(real) == 0o640
    assert load_config(link).sessions["corp"].start_url == START_URL


@pytest.mark.parametrize(
    ("name", "url", "region"),
    [
        ("corp", "https://exämple.awsapps.com/start", "us-east-1"),
        ("corp", "https://example.awsapps.com/start\n[profile x]", "us-east-1"),
        ("corp\n", START_URL, "us-east-1"),
        ("corp", START_URL, "us-east-\u0661"),  # an Arabic-Indic digit matches \d
    ],
)
def test_first_run_append_writes_only_ascii_one_line_values(tmp_path, name, url, region):
    path = tmp_path / "config"
    with pytest.raises(ConfigError):
        add_sso_session(name, url, region, path=path)
    assert not path.exists()


ROWS = [
    Assignment("111111111111", "Prod", "", "AdministratorAccess"),
    Assignment("12345", "Short id", "", "ReadOnly"),
    Assignment("222222222222", "Dev", "", "Admin\n[profile evil]\ncredential_process = x"),
]


def test_profiles_are_ascii_and_an_old_em_dash_block_is_rewritten_in_place(tmp_path):
    path = tmp_path / "config"
    old_block = (
        "# BEGIN ssotui profiles for sso-session corp \u2014 generated, edits inside are "
        "overwritten\n[profile old]\nsso_session = corp\n# END ssotui profiles for sso-session "
        "corp\n"
    )
    path.write_text("[default]\nregion = eu-west-1\n\n" + old_block + "\n[profile mine]\n")
    plan = plan_profiles(SESSION, ROWS[:1], region="eu-central-1", path=path)
    assert plan.new_text.isascii()
    assert plan.new_text.count("# BEGIN ssotui profiles") == 1
    assert "[profile old]" not in plan.new_text
    assert plan.new_text.startswith("[default]\nregion = eu-west-1\n\n# BEGIN")
    assert plan.new_text.endswith("\n[profile mine]\n")


def test_profiles_leave_out_malformed_ids_and_roles_and_refuse_a_bad_region(tmp_path):
    path = tmp_path / "config"
    plan = plan_profiles(SESSION, ROWS, region="eu-central-1", path=path)
    assert [n for n, _a in plan.profiles] == ["Prod.AdministratorAccess"]
    assert plan.rejected == ROWS[1:]
    assert "evil" not in plan.new_text and "12345" not in plan.new_text
    for region in ("eu-central-1\n[profile x]", "not a region", "eu-central-\u0661"):
        with pytest.raises(ConfigError, match="not an AWS region"):
            plan_profiles(SESSION, ROWS[:1], region=region, path=path)


def test_botocore_reads_the_written_profiles_under_an_ascii_locale(emulator, sso_session):
    sign_in(emulator, sso_session)
    wrote = run_ssotui("profiles", "--write")
    assert wrote.returncode == 0, wrote.stderr
    config = Path(os.environ["AWS_CONFIG_FILE"])
    name = next(
        line[len("[profile ") : -1]
        for line in config.read_text().splitlines()
        if line.startswith("[profile ")
    )
    check = (
        "import sys, boto3, locale\n"
        "assert locale.getpreferredencoding(False).lower() in ('ascii', 'ansi_x3.4-1968')\n"
        "session = boto3.Session(profile_name=sys.argv[1])\n"
        "print(session.region_name)\n"
    )
    env = {**os.environ, "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0", "LC_ALL": "C"}
    env.pop("LANG", None)
    proc = subprocess.run(
        [sys.executable, "-c", check, name], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "us-east-1"


def test_a_directory_inside_another_users_or_an_open_directory_is_refused(tmp_path):
    """The leaf being ours is not enough: whoever can write to a directory above it can swap
    it for one of theirs (seen in a trial: ~/.cache/ssotui symlinked into another user's 0777
    directory, and a forged inventory cache planted there)."""
    if os.getuid() != 0:
        pytest.skip("needs root to give a directory to another user")
    nobody = pwd.getpwnam("nobody").pw_uid
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, nobody, nobody)
    theirs.chmod(0o1777)  # sticky does not stop its owner
    with pytest.raises(SsoError, match="belongs to another user"):
        paths.private_dir(theirs / "ssotui")
    link = tmp_path / "cache-link"
    link.symlink_to(theirs)
    with pytest.raises(SsoError, match="belongs to another user"):
        paths.private_dir(link / "inventory")
    open_parent = tmp_path / "open"
    open_parent.mkdir()
    open_parent.chmod(0o777)
    with pytest.raises(SsoError, match="other users can change"):
        paths.private_dir(open_parent / "ssotui")
    sticky_ours = tmp_path / "sticky"
    sticky_ours.mkdir()
    sticky_ours.chmod(0o1777)  # like /tmp: others cannot move what is ours
    assert paths.private_dir(sticky_ours / "ssotui").is_dir()


def test_an_inventory_cache_someone_else_could_have_planted_is_not_read(tmp_path):
    """A forged account list (a trial renamed the management account 'sandbox-…-TRUSTME') is
    never read from a directory or file that is not ours alone."""
    from ssotui.core import timeutil
    from ssotui.core.inventory import Inventory, InventoryCache
    from ssotui.core.models import Account

    cache = InventoryCache(tmp_path / "inventory")
    inventory = Inventory(
        [Account("111122223333", "clip\x1b]52;c;ZQ==\x07board", "")],
        {"111122223333": ("Admin",)},
        timeutil.utcnow(),
        True,
    )
    cache.save(SESSION, inventory)
    path = cache.path_for(SESSION)
    assert path.read_bytes().isascii() and b"\x1b" not in path.read_bytes()
    assert cache.load(SESSION).accounts[0].account_name.startswith("clip\x1b")  # ours: read
    if os.getuid() == 0:
        nobody = pwd.getpwnam("nobody").pw_uid
        os.chown(path, nobody, nobody)  # a file of someone else's in our directory
        assert cache.load(SESSION) is None
        os.chown(path, 0, 0)
    real = tmp_path / "real.json"
    path.rename(real)
    path.symlink_to(real)  # a link to a file elsewhere
    assert cache.load(SESSION) is None
    path.unlink()
    real.rename(path)
    (tmp_path / "inventory").chmod(0o777)  # a directory others could have written to
    assert cache.load(SESSION) is None
