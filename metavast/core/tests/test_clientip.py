import pytest

from metavast.core.clientip import client_ip


@pytest.fixture
def proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]


def test_remote_addr_when_no_proxy_is_trusted(settings):
    settings.TRUSTED_PROXIES = []
    meta = {"REMOTE_ADDR": "5.5.5.5", "HTTP_X_FORWARDED_FOR": "1.1.1.1"}
    assert client_ip(meta) == "5.5.5.5"


def test_forwarded_for_only_from_trusted_proxies(proxies):
    meta = {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 2.2.2.2"}
    assert client_ip(meta) == "2.2.2.2"  # the client as our proxy saw it, not what it claims


def test_walks_past_chained_trusted_proxies(proxies):
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "3.3.3.3, 10.9.9.9"}
    assert client_ip(meta) == "3.3.3.3"


def test_garbage_in_the_chain_falls_back_to_the_peer(proxies):
    meta = {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "not-an-ip"}
    assert client_ip(meta) == "10.1.1.1"


def test_ipv6_and_ports(settings):
    settings.TRUSTED_PROXIES = ["::1"]
    assert client_ip({"REMOTE_ADDR": "::1", "HTTP_X_FORWARDED_FOR": "[2001:db8::1]:443"}) == (
        "2001:db8::1"
    )
    assert client_ip({"REMOTE_ADDR": "::1", "HTTP_X_FORWARDED_FOR": "4.4.4.4:5555"}) == "4.4.4.4"


def test_missing_remote_addr():
    assert client_ip({}) is None
