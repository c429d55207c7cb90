import pytest

from services.identity.domain.logins import (
    DISABLED,
    FAILURE_REASONS,
    LOCKED,
    MFA_REQUIRED,
    UNKNOWN_LOGIN,
    WRONG_OTP,
    WRONG_PASSWORD,
    device_fingerprint,
    failure_label,
    is_new_device,
    network_of,
)

CHROME_WIN = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/126.0.0.0 Safari/537.36")
CHROME_WIN_NEWER = CHROME_WIN.replace("Chrome/126.0.0.0", "Chrome/131.0.6778.86")
EDGE_WIN = CHROME_WIN + " Edg/126.0.2592.68"
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
WECHAT_ANDROID = ("Mozilla/5.0 (Linux; Android 14; PJD110) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/116.0.0.0 Mobile Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F35) NetType/WIFI")
FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0"

HISTORY = [("203.0.113.7", CHROME_WIN), ("198.51.100.20", SAFARI_IPHONE)]


def test_reason_codes_have_chinese_and_english_labels():
    for reason in (WRONG_PASSWORD, UNKNOWN_LOGIN, LOCKED, DISABLED, MFA_REQUIRED, WRONG_OTP):
        zh, en = failure_label(reason)
        assert zh and en and zh != en
    assert len(FAILURE_REASONS) == 6
    with pytest.raises(ValueError):
        failure_label("NOPE")


@pytest.mark.parametrize("agent, expected", [
    (CHROME_WIN, "Chrome on Windows"),
    (EDGE_WIN, "Edge on Windows"),
    (SAFARI_IPHONE, "Safari on iOS"),
    (WECHAT_ANDROID, "WeChat on Android"),
    (FIREFOX_MAC, "Firefox on macOS"),
    ("curl/8.5.0", "curl on Other"),
    ("", "Other on Other"),
    (None, "Other on Other"),
])
def test_device_fingerprint(agent, expected):
    assert device_fingerprint(agent) == expected


def test_known_ip_and_device_is_not_new():
    assert not is_new_device("203.0.113.7", CHROME_WIN, HISTORY)


def test_browser_update_is_not_a_new_device():
    assert not is_new_device("203.0.113.7", CHROME_WIN_NEWER, HISTORY)


def test_known_device_from_another_seen_ip_is_not_new():
    assert not is_new_device("198.51.100.20", CHROME_WIN, HISTORY)


def test_new_ip_is_flagged():
    assert is_new_device("192.0.2.99", CHROME_WIN, HISTORY)


def test_new_device_is_flagged():
    assert is_new_device("203.0.113.7", FIREFOX_MAC, HISTORY)


def test_first_login_ever_is_not_flagged():
    assert not is_new_device("192.0.2.99", FIREFOX_MAC, [])


def test_history_as_dicts_or_objects():
    class Login:
        ip, user_agent = "203.0.113.7", CHROME_WIN

    assert not is_new_device("203.0.113.7", CHROME_WIN, [{"ip": "203.0.113.7", "user_agent": CHROME_WIN}])
    assert not is_new_device("203.0.113.7", CHROME_WIN, [Login()])


def test_ipv6_privacy_addresses_in_one_64_are_the_same_network():
    history = [("2001:db8:1:2:aaaa:bbbb:cccc:dddd", CHROME_WIN)]
    assert not is_new_device("2001:db8:1:2::1234", CHROME_WIN, history)
    assert is_new_device("2001:db8:1:3::1234", CHROME_WIN, history)


def test_ipv4_mapped_ipv6_is_the_ipv4_address():
    assert network_of("::ffff:203.0.113.7") == "203.0.113.7"
    assert not is_new_device("::ffff:203.0.113.7", CHROME_WIN, HISTORY)
