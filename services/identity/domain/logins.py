"""Login history rules: why a login failed, and whether it came from somewhere new.

The failure reasons are for the login history that admins and the user see.
The answer to the person logging in never tells WRONG_PASSWORD from
UNKNOWN_LOGIN (see PUBLIC_LOGIN_FAILED), or it would reveal which accounts exist.
"""
import ipaddress
import re
from collections.abc import Mapping

# Failure reason codes, as stored in the login history.
WRONG_PASSWORD = "WRONG_PASSWORD"
UNKNOWN_LOGIN = "UNKNOWN_LOGIN"
LOCKED = "LOCKED"
DISABLED = "DISABLED"
MFA_REQUIRED = "MFA_REQUIRED"  # password accepted, second factor still to come
WRONG_OTP = "WRONG_OTP"

FAILURE_REASONS = {
    WRONG_PASSWORD: ("密码错误", "Wrong password"),
    UNKNOWN_LOGIN: ("账号不存在", "Unknown login"),
    LOCKED: ("账号已临时锁定", "Login temporarily locked"),
    DISABLED: ("账号已停用", "Account disabled"),
    MFA_REQUIRED: ("需要二次验证", "Second factor required"),
    WRONG_OTP: ("动态码或恢复码错误", "Wrong one-time or recovery code"),
}

# The only thing the caller of /login learns on a wrong password or unknown login.
PUBLIC_LOGIN_FAILED = ("账号或密码错误", "Wrong login or password")


def failure_label(reason):
    """(Chinese, English) label of a failure reason code."""
    try:
        return FAILURE_REASONS[reason]
    except KeyError:
        raise ValueError(f"unknown login failure reason {reason!r}") from None


# --------------------------------------------------------------------------- new device detection

# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari", and the
# Chinese in-app browsers say all of them.
_BROWSERS = (
    ("WeChat", r"MicroMessenger"),
    ("DingTalk", r"DingTalk"),
    ("WeCom", r"wxwork"),
    ("QQ Browser", r"MQQBrowser|QQBrowser"),
    ("UC Browser", r"UCBrowser|UCWEB"),
    ("360 Browser", r"QIHU|360SE|360EE"),
    ("Sogou Browser", r"MetaSr|SogouMobileBrowser"),
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"),
    ("Safari", r"Safari/"),
    ("curl", r"^curl/"),
    ("python-requests", r"python-requests"),
)
_SYSTEMS = (
    ("HarmonyOS", r"HarmonyOS|OpenHarmony"),
    ("Android", r"Android"),
    ("iOS", r"iPhone|iPad|iPod"),
    ("ChromeOS", r"CrOS"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("Linux", r"Linux|X11"),
)
_BROWSER_PATTERNS = tuple((name, re.compile(pattern, re.I)) for name, pattern in _BROWSERS)
_SYSTEM_PATTERNS = tuple((name, re.compile(pattern, re.I)) for name, pattern in _SYSTEMS)

# IPv6 hosts change their interface id often (privacy addresses), so an IPv6
# address counts as "seen" when its /64 network was seen.
IPV6_PREFIX = 64


def device_fingerprint(user_agent):
    """A browser family and OS, e.g. "Chrome on Windows" - versions left out, so
    that a browser update is not a "new device"."""
    ua = user_agent or ""
    browser = next((name for name, pattern in _BROWSER_PATTERNS if pattern.search(ua)), "Other")
    system = next((name for name, pattern in _SYSTEM_PATTERNS if pattern.search(ua)), "Other")
    return f"{browser} on {system}"


def network_of(ip):
    """The address as compared for "seen before": IPv4 as is (IPv4-mapped IPv6
    unwrapped), IPv6 as its /64; unparseable text as given."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return (ip or "").strip().lower()
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


def is_new_device(ip, user_agent, previous_successes):
    """True if this login's address or device was never seen in the user's earlier
    successful logins.

    `previous_successes`: (ip, user_agent) pairs, or dicts/objects with `ip` and
    `user_agent`. A user's very first login returns False: there is nothing to
    compare with and the warning would only be noise.
    """
    seen_networks, seen_devices = set(), set()
    for login in previous_successes:
        previous_ip, previous_agent = _ip_and_agent(login)
        seen_networks.add(network_of(previous_ip))
        seen_devices.add(device_fingerprint(previous_agent))
    if not seen_networks:
        return False
    return network_of(ip) not in seen_networks or device_fingerprint(user_agent) not in seen_devices


def _ip_and_agent(login):
    if isinstance(login, Mapping):
        return login.get("ip"), login.get("user_agent")
    if isinstance(login, (tuple, list)):
        return login[0], login[1]
    return getattr(login, "ip", None), getattr(login, "user_agent", None)
