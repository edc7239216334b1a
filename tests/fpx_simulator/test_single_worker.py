"""Portal and simulator in ONE server process that handles one request at a time (like a single sync worker):
the direct AC calls back into that same server, so it must leave only after the bank's answer has been sent.
Sending it from inside the request would hang until the retries ran out."""

import re

import pytest
import requests
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread

from matrix.fpx_simulator import services
from tests.concurrency import wait_until
from tests.fpx_simulator import single_worker_urls
from tests.fpx_simulator.helpers import signed_ar, simulator_signed

pytestmark = pytest.mark.django_db(transaction=True)


class SingleWorkerServer(WSGIServer):
    """Django's development WSGI server without threads: one request at a time, connections closed after each."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override


class SingleWorkerServerThread(LiveServerThread):
    server_class = SingleWorkerServer


@pytest.fixture
def single_worker(settings):
    settings.ROOT_URLCONF = "tests.fpx_simulator.single_worker_urls"
    settings.FPX_SIMULATOR_MERCHANT_BASE_URL = ""  # the ACs go back to the server that received the AR
    settings.FPX_SIMULATOR_DIRECT_AC_BACKOFF_SECONDS = 0.2
    single_worker_urls.received.clear()
    in_memory = {conn.alias: conn for conn in connections.all()
                 if conn.vendor == "sqlite" and conn.is_in_memory_db()}
    for conn in in_memory.values():
        conn.inc_thread_sharing()  # as LiveServerTestCase does
    thread = SingleWorkerServerThread("127.0.0.1", StaticFilesHandler, connections_override=in_memory)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    services.direct_ac_release()
    services.direct_ac_deliveries_join(timeout=30)
    thread.terminate()
    for conn in in_memory.values():
        conn.dec_thread_sharing()


def test_direct_ac_reaches_the_same_single_worker_server_without_deadlock(single_worker):
    browser = requests.Session()
    ar = signed_ar()
    login = browser.post(single_worker + "/fpx-simulator/ar/", data=ar, timeout=10)
    assert login.status_code == 200
    token = browser.cookies["csrftoken"]
    authorise = browser.post(login.url, data={"csrfmiddlewaretoken": token, "username": "ali", "password": "x"},
                             headers={"Referer": login.url}, timeout=10)
    ticket = re.search(r'name="ticket" value="([^"]+)"', authorise.text).group(1)

    services.direct_ac_hold()  # the direct AC waits, so the test sees the answer come back without it
    answer = browser.post(login.url + "authorise/", data={"csrfmiddlewaretoken": token, "ticket": ticket,
                                                          "outcome": "approve"},
                          headers={"Referer": login.url}, timeout=60)
    assert answer.status_code == 200
    assert f'action="{single_worker}/payments/fpx/indirect/"' in answer.text
    # Answered while the direct AC had not been sent: it leaves after the answer, from a thread of its own. The
    # server starts that thread when it closes the response, which may be just after the client has read the body.
    wait_until(lambda: services.direct_ac_deliveries_under_way() == 1, timeout=30,
               message="the direct AC delivery never started after the answer was sent")
    assert not single_worker_urls.received

    services.direct_ac_release()
    assert services.direct_ac_deliveries_join(timeout=60)  # delivered (OK) to the same one-request server
    [direct] = single_worker_urls.received
    assert simulator_signed(direct, "AC")
    assert direct["fpx_debitAuthCode"] == "00"
    assert direct["fpx_sellerExOrderNo"] == ar["fpx_sellerExOrderNo"]
