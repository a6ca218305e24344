import ipaddress

import pytest
from django.core.exceptions import ValidationError

from api.webhooks.destinations import address_problem, destination_check


def resolving_to(*addresses):
    def resolver(host, port):
        return list(addresses)

    return resolver


def rejection(url, resolver=None) -> str:
    with pytest.raises(ValidationError) as caught:
        destination_check(url, resolver=resolver or resolving_to("93.184.216.34"))
    (message,) = caught.value.message_dict["url"]
    return message


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://10.1.2.3/hook", "private"),
        ("https://192.168.0.10/hook", "private"),
        ("https://172.16.5.4/hook", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://0.0.0.0/hook", "unspecified"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://240.0.0.1/hook", "reserved"),
        ("https://100.64.0.1/hook", "not a public address"),
        ("https://[::1]/hook", "loopback"),
        ("https://[::]/hook", "unspecified"),
        ("https://[fd00::1]/hook", "private"),
        ("https://[fe80::1]/hook", "link-local"),
        ("https://[ff02::1]/hook", "multicast"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback address (127.0.0.1) inside an IPv6"),
        ("https://[::ffff:10.0.0.1]/hook", "private address (10.0.0.1) inside an IPv6"),
        ("https://[64:ff9b::a9fe:a9fe]/hook", "link-local address (169.254.169.254) inside"),
        ("https://[2002:7f00:1::]/hook", "loopback address (127.0.0.1) inside an IPv6"),
    ],
)
def test_addresses_that_are_not_public_are_refused(url, kind):
    message = rejection(url)
    assert kind in message
    assert repr(url) in message
    assert "must be public" in message


@pytest.mark.parametrize(
    ("address", "kind"),
    [("10.0.0.7", "private"), ("127.0.0.1", "loopback"), ("fd00::5", "private")],
)
def test_a_hostname_resolving_to_a_private_address_is_refused(address, kind):
    message = rejection("https://hooks.example.com/in", resolving_to("93.184.216.34", address))
    assert f"resolves to {address}, a {kind} address" in message


def test_http_is_refused_unless_allowed(settings):
    assert "must use https://" in rejection("http://hooks.example.com/in")
    settings.WEBHOOKS_ALLOW_HTTP = True
    destination_check("http://hooks.example.com/in", resolver=resolving_to("93.184.216.34"))


def test_private_addresses_are_accepted_when_allowed_for_local_testing(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    assert destination_check("https://127.0.0.1:8443/in").address == "127.0.0.1"


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("ftp://hooks.example.com/in", "must be an absolute https:// URL"),
        ("hooks.example.com/in", "must be an absolute https:// URL"),
        (
            "https://user:pw@hooks.example.com/in",  # pragma: allowlist secret
            "must not carry a user name or password",
        ),
    ],
)
def test_malformed_urls_are_refused_with_the_rule(url, rule):
    assert rule in rejection(url)


def test_a_host_that_does_not_resolve_is_refused():
    def failing(host, port):
        raise OSError("Name or service not known")

    assert "(nowhere.invalid) that does not resolve" in rejection(
        "https://nowhere.invalid/", failing
    )


def test_the_request_goes_to_the_checked_address_with_the_host_kept():
    destination = destination_check(
        "https://hooks.example.com:8443/in?x=1", resolver=resolving_to("93.184.216.34")
    )
    assert destination.request_url == "https://93.184.216.34:8443/in?x=1"
    assert destination.host_header == "hooks.example.com:8443"
    assert destination.sni_hostname == "hooks.example.com"


def test_an_ipv6_destination_is_bracketed():
    destination = destination_check(
        "https://hooks.example.com/in", resolver=resolving_to("2606:2800:220:1::1")
    )
    assert destination.request_url == "https://[2606:2800:220:1::1]/in"


def test_public_addresses_pass():
    assert address_problem(ipaddress.ip_address("93.184.216.34")) is None
    assert address_problem(ipaddress.ip_address("2606:2800:220:1::1")) is None


@pytest.mark.parametrize("url", ["https://2130706433/", "https://0x7f.1/", "https://017700000001/"])
def test_numeric_spellings_of_loopback_are_caught_by_the_system_resolver(url):
    """getaddrinfo reads these as 127.0.0.1 (no network needed); the check sees that."""
    with pytest.raises(ValidationError, match=r"resolves to 127\.0\.0\.1, a loopback address"):
        destination_check(url)


@pytest.mark.parametrize("url", ["https://xn--/", "https://[::1", "https://a\x00b.com/"])
def test_unparseable_hosts_are_a_validation_error(url):
    with pytest.raises(ValidationError):
        destination_check(url, resolver=resolving_to("93.184.216.34"))


@pytest.mark.parametrize("port", [22, 80, 6379, 8080])
def test_ports_other_than_443_and_8443_are_refused(port):
    """Regression: endpoints on any port let deliveries probe other services."""
    with pytest.raises(ValidationError, match="must use port 443 or 8443"):
        destination_check(
            f"https://hooks.example.com:{port}/in", resolver=resolving_to("93.184.216.34")
        )
    assert destination_check(
        "https://hooks.example.com:8443/in", resolver=resolving_to("93.184.216.34")
    )
