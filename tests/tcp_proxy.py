"""A TCP proxy on 127.0.0.1 for tests that need a connection to drop in the middle:
it passes bytes both ways to a real server and, once ``cut_after`` bytes have come
back from the server on one connection, closes that connection (as a lost network
would). ``cut_after = None`` passes everything."""

from __future__ import annotations

import socket
import threading
from contextlib import suppress

from tests.smtp_sink import free_port


class CuttingProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.cut_after: int | None = None
        self.cuts = 0  # connections this proxy cut
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.2)  # so stop() ends the accepting thread promptly
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> CuttingProxy:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._sockets += [client, server]
            limit = self.cut_after
            up = threading.Thread(target=self._pump, args=(client, server, None), daemon=True)
            down = threading.Thread(target=self._pump, args=(server, client, limit), daemon=True)
            up.start()
            down.start()
            self._threads += [up, down]

    def _pump(self, source: socket.socket, sink: socket.socket, limit: int | None) -> None:
        passed = 0
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if limit is not None and passed + len(data) > limit:
                    sink.sendall(data[: max(0, limit - passed)])
                    with self._lock:
                        self.cuts += 1
                    break
                sink.sendall(data)
                passed += len(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with suppress(OSError):
                    sock.close()

    def stop(self) -> None:
        self._stopping.set()
        with suppress(OSError):
            self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with suppress(OSError):
                    sock.close()
        for thread in self._threads:
            thread.join(timeout=5)
