#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# it_relay.py LISTEN_PORT TARGET_PORT PORT_FILE: a TCP relay on loopback
# for the network-cut test (it_failover_netcut.sh). One thread, one select
# loop: SIGSTOP freezes every connection at once while the kernel keeps
# the sockets open (no RST, no FIN: packets just stop being forwarded).
import select
import socket
import sys

lst = socket.socket()
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", int(sys.argv[1])))
lst.listen(16)
with open(sys.argv[3], "w") as f:
    f.write("%d\n" % lst.getsockname()[1])
peer = {}
while True:
    r, _, _ = select.select([lst] + list(peer), [], [])
    for s in r:
        if s is lst:
            c, _ = lst.accept()
            t = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
            peer[c] = t
            peer[t] = c
            continue
        if s not in peer:
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if data:
            peer[s].sendall(data)
        else:
            o = peer.pop(s)
            peer.pop(o, None)
            s.close()
            o.close()
