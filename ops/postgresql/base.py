"""Django's PostgreSQL backend, with a health check that asks the server only when needed.

With CONN_HEALTH_CHECKS a persistent connection is checked before each request reuses it, so
that one the server closed meanwhile (a restart, an administrator, an idle timeout) is replaced
instead of failing the request. Django checks by running `SELECT 1`: a round trip to the
server on every request, about a tenth of a warm API request's time under load (measured with
py-spy on gunicorn in `make load`).

An idle connection receives nothing unless the server ends it: PostgreSQL sends its FATAL
message and closes the socket, and either makes the socket readable. So a connection whose
socket has nothing to read is usable, known without a round trip; one with something to read
is asked as Django asks (`SELECT 1`), which reads what arrived and fails if the server ended
the connection. (Offerwatch never LISTENs, so no notification can arrive on an idle
connection and make a healthy one look suspect; if one did, the question would answer it.)
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed or self.connection.broken:
            return False
        if self.connection.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()  # in a transaction: as Django asks
        try:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable or super().is_usable()
