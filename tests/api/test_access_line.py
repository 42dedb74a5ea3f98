"""The server's access log: one line a request, as gunicorn writes it, and cheaper to write."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn import glogging
from gunicorn.config import Config

from casecommittee.web.gunicorn import AccessLogger


def _logger(kind, path, access_format=None):
    cfg = Config()
    cfg.set("accesslog", str(path))
    if access_format:
        cfg.set("access_log_format", access_format)
    logger = kind(cfg)
    logger.now = lambda: "[07/Dec/2026:02:10:00 +0000]"  # (the same second for both)
    return logger


def _request(user_agent, authorization=None, referer=None):
    environ = {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "POST",
               "RAW_URI": "/api/v1/pathways/4f0c/steps?include=person", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": "/api/v1/pathways/4f0c/steps", "QUERY_STRING": "include=person",
               "HTTP_USER_AGENT": user_agent, "wsgi.url_scheme": "http"}
    if authorization:
        environ["HTTP_AUTHORIZATION"] = authorization
    if referer:
        environ["HTTP_REFERER"] = referer
    response = SimpleNamespace(status="201 CREATED", sent=1874,
                               headers=[("Content-Type", "application/json"), ("ETag", '"7"')])
    request = SimpleNamespace(headers=[("USER-AGENT", user_agent), ("HOST", "127.0.0.1:8000")])
    return response, request, environ


@pytest.mark.parametrize("user_agent, authorization, referer", [
    ("python-httpx/0.27", "Bearer cc_4f2a", None),
    ('un "navigateur" bizarre', "Basic " + "YWxpY2U6c2VjcmV0", 'https://x.test/"page"'),
    ("curl/8.5", None, "https://casecommittee.test/parcours"),
])
def test_a_request_is_logged_on_the_very_line_gunicorn_writes(tmp_path, user_agent, authorization,
                                                              referer):
    ours, theirs = tmp_path / "ours.log", tmp_path / "theirs.log"
    answer = _request(user_agent, authorization, referer)
    _logger(AccessLogger, ours).access(*answer, timedelta(microseconds=4_200))
    _logger(glogging.Logger, theirs).access(*answer, timedelta(microseconds=4_200))
    line = ours.read_text()
    assert line == theirs.read_text()
    assert line.count("\n") == 1 and '"POST /api/v1/pathways/4f0c/steps?include=person HTTP/1.1" 201 1874' in line


def test_another_format_is_written_by_gunicorn_s_own_way(tmp_path):
    ours, theirs = tmp_path / "ours.log", tmp_path / "theirs.log"
    answer = _request("curl/8.5")
    custom = '%(h)s %(m)s %(U)s %(q)s %(s)s %({etag}o)s %(D)s'
    _logger(AccessLogger, ours, custom).access(*answer, timedelta(microseconds=4_200))
    _logger(glogging.Logger, theirs, custom).access(*answer, timedelta(microseconds=4_200))
    assert ours.read_text() == theirs.read_text() == '127.0.0.1 POST /api/v1/pathways/4f0c/steps include=person 201 \\"7\\" 4200\n'

