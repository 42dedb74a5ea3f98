"""A request the server cannot even parse must not leave what it said in the server's log: a
referent who types a person's name into the address bar by mistake sends it in the request
line, and gunicorn's warning about a malformed line used to repeat it word for word."""

import socket

from .server import Server, prepare_store

NAME = "Jeanne Dupont-Rivière"


def _send_raw(server: Server, raw: bytes) -> bytes:
    host, port = server.base.split("//", 1)[1].split("/", 1)[0].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(raw)
        answer = b""
        while chunk := connection.recv(4096):
            answer += chunk
    return answer


def test_a_name_typed_into_a_malformed_request_line_stays_out_of_the_server_log(store_env):
    server = Server(store_env, prepare_store(store_env), workers=1)
    server.start()
    try:
        answers = [
            _send_raw(server, f"GET /parcours?nom={NAME} née le 02/04/1987 HTTP/1.1\r\n"
                              f"Host: localhost\r\n\r\n".encode()),
            _send_raw(server, b"GET /parcours HTTP/1.1\r\nHost: localhost\r\n"
                              + f"X-Recherche {NAME}\r\n\r\n".encode()),
        ]
        assert server.call("GET", "/health").status == 200  # still serving
    finally:
        server.stop()
    assert all(answer.startswith(b"HTTP/1.1 400") for answer in answers), answers
    log = server.log_path.read_text()
    assert log.count("Invalid request from ip=127.0.0.1") == 2, log
    for word in ("Jeanne", "Dupont", "1987"):
        assert word not in log, log
    assert "texte de la requête non journalisé" in log
