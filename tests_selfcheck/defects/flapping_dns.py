"""Defect: flapping DNS. Listens where the cluster DNS did and forwards to it (moved to another port), but every
second answer to the same question loses one record, as a stale cache or a lagging DNS replica would give. A check
that polls until the first right answer passes; one that requires the answer to hold must not.

Usage: flapping_dns.py HOST PORT UPSTREAM_PORT"""

import socket
import sys
from collections import Counter

import dns.message
import dns.query

from _common import api_client, log


def main() -> None:
    api_client()  # for its SIGTERM handling
    host, port, upstream = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((host, port))
    asked: Counter[str] = Counter()
    while True:
        wire, client = server.recvfrom(65535)
        query = dns.message.from_wire(wire)
        try:
            response = dns.query.udp(query, host, port=upstream, timeout=2)
        except Exception as error:  # noqa: BLE001 - no answer: the client times out, as with a dead server
            log(f"upstream did not answer: {error}")
            continue
        question = query.question[0].to_text()
        asked[question] += 1
        if asked[question] % 2 == 0:
            for rrset in response.answer:
                if len(rrset):
                    dropped = sorted(rrset, key=str)[-1]
                    rrset.discard(dropped)
                    log(f"answer {asked[question]} to {question}: dropped {dropped}")
            response.answer = [rrset for rrset in response.answer if len(rrset)]
        server.sendto(response.to_wire(), client)


if __name__ == "__main__":
    main()
