"""The HTTPS server: kept-alive connections, bodies left unread, dropped connections, stopping."""

import statistics
import time

import requests

from connectors.emulator import Emulator
from connectors.facebook.session import GraphSession


def _session(emu: Emulator) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(emu.ca_file)
    return session


def test_sequential_requests_share_one_connection(emulator: Emulator) -> None:
    page = emulator.accounts["facebook_pages"][0]
    session = _session(emulator)
    before = emulator.connections_opened
    for _ in range(20):
        answer = session.get(
            emulator.base_url + f"v23.0/{page['id']}",
            params={"access_token": page["access_token"], "fields": "name"},
            timeout=5,
        )
        assert answer.status_code == 200
        assert answer.headers.get("Connection", "").lower() != "close"
    assert emulator.connections_opened - before == 1


def test_the_connectors_graph_session_reuses_its_connection(emulator: Emulator) -> None:
    config = emulator.connector_config()
    session = GraphSession(config.facebook_graph_url, config.ca_bundle, config.timeout_s)
    page = emulator.accounts["facebook_pages"][1]
    before = emulator.connections_opened
    for _ in range(10):
        session.get(
            "https://graph.facebook.com/v23.0/" + page["id"],
            params={"access_token": page["access_token"]},
        ).raise_for_status()
    assert emulator.connections_opened - before == 1


def test_a_fault_answer_leaves_the_connection_usable(emulator: Emulator) -> None:
    """A 5xx answered without reading an upload body: the body is drained, the next request on
    the same connection is read correctly."""
    page = emulator.accounts["facebook_pages"][0]
    session = _session(emulator)
    url = emulator.base_url + f"v23.0/{page['id']}/photos"
    emulator.set_faults("5xx:upload#1")
    before = emulator.connections_opened
    big = b"\xff" * 3_000_000
    first = session.post(
        url, data={"access_token": page["access_token"]}, files={"source": big}, timeout=10
    )
    assert first.status_code == 503
    second = session.post(
        url, data={"access_token": page["access_token"]}, files={"source": b"img"}, timeout=10
    )
    assert second.status_code == 200, second.text
    assert "post_id" in second.json()
    assert emulator.connections_opened - before == 1


def test_a_dropped_connection_still_looks_dropped(emulator: Emulator) -> None:
    page = emulator.accounts["facebook_pages"][0]
    session = _session(emulator)
    url = emulator.base_url + f"v23.0/{page['id']}/feed"
    session.get(emulator.base_url + "_emulator/health", timeout=5).raise_for_status()
    emulator.set_faults("drop:publish#1")
    try:
        session.post(url, data={"access_token": page["access_token"], "message": "A"}, timeout=5)
    except requests.ConnectionError:
        pass
    else:
        raise AssertionError("the dropped request got an answer")
    assert [o["text"] for o in emulator.objects()] == ["A"]  # done, though unanswered
    again = session.post(
        url, data={"access_token": page["access_token"], "message": "B"}, timeout=5
    )
    assert again.status_code == 200


def test_stopping_closes_kept_alive_connections(emulator: Emulator) -> None:
    session = _session(emulator)
    url = emulator.base_url + "_emulator/health"
    session.get(url, timeout=5).raise_for_status()
    emulator.stop()
    try:
        session.get(url, timeout=2)
    except requests.ConnectionError:
        return
    raise AssertionError("a stopped emulator answered on a kept-alive connection")


def test_kept_alive_answers_do_not_wait_for_delayed_acks(emulator: Emulator) -> None:
    """With Nagle's algorithm on, each answer's body waited ~40 ms for the client's ACK of its
    headers; thirty reads would take over a second."""
    page = emulator.accounts["facebook_pages"][0]
    session = _session(emulator)
    url = emulator.base_url + f"v23.0/{page['id']}"
    params = {"access_token": page["access_token"]}
    session.get(url, params=params, timeout=5).raise_for_status()
    took = []
    for _ in range(30):
        start = time.perf_counter()
        session.get(url, params=params, timeout=5).raise_for_status()
        took.append(time.perf_counter() - start)
    # The median, not the total: a loaded CI machine delays some reads, never most of them by
    # the 40 ms a delayed ACK costs.
    assert statistics.median(took) < 0.035
